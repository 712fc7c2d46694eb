// Tracked series for the scaling run (one series = one (service, metric) baseline): services seeded straight into
// Neo4j with Cypher UNWIND in batches, each with its lock node and one learned baseline (a copy of a real one), as
// analyzeOnce would have left them. Analyze then runs on random seeded services.
import neo4j from 'neo4j-driver';
import type { Neo4jConnection } from '../../src/adapters/neo4j/driver';
import { baselineKey } from '../../src/adapters/neo4j/analysis-store';
import { deleteServices } from '../../test/helpers/neo4j';
import type { HttpClient } from './http-client';
import type { Op } from './load';

const SEED_BATCH = 10_000;
const DELETE_BATCH = 2_000;
export const SERIES_METRIC = 'cpu_load';

const SEED = `
UNWIND $rows AS row
CREATE (s:Service {name: row.service})
CREATE (lock:AnalysisLock {service: row.service, version: 0})
CREATE (s)-[:HAS_ANALYSIS_LOCK]->(lock)
CREATE (b:Baseline {key: row.key, service: row.service, metric: $metric, state: $state, samples: $samples, updatedAt: $at})
CREATE (s)-[:HAS_BASELINE]->(b)`;

export class SeededSeries {
  count = 0;

  constructor(
    private readonly connection: Neo4jConnection,
    private readonly prefix: string,
    /** The learned baseline every seeded series starts from, and its sample count. */
    private readonly baseline: { state: string; samples: number },
  ) {}

  /** Seeds up to `level` series in all, stopping early at `deadline` (epoch ms); returns the seconds spent. */
  async seedTo(level: number, deadline: number): Promise<number> {
    const started = performance.now();
    while (this.count < level && Date.now() < deadline) {
      const names = Array.from({ length: Math.min(SEED_BATCH, level - this.count) }, (_, k) => this.service(this.count + k));
      await this.connection.driver.executeQuery(
        SEED,
        {
          rows: names.map((name) => ({ service: name, key: baselineKey(name, SERIES_METRIC) })),
          metric: SERIES_METRIC,
          state: this.baseline.state,
          samples: neo4j.int(this.baseline.samples),
          at: neo4j.int(Date.now()),
        },
        { database: this.connection.database },
      );
      this.count += names.length;
    }
    return (performance.now() - started) / 1000;
  }

  /** POST /analyze with one tick of the series' metric for a random seeded service. */
  analyze(http: HttpClient, token: string): Op {
    return async () => {
      const service = this.service(Math.floor(Math.random() * this.count));
      await http.expect(200, 'POST', '/api/self_healing/analyze', token, { metrics: { [SERIES_METRIC]: 0.3 + 0.1 * Math.random() }, context: { services: [service] } });
    };
  }

  /** Deletes every seeded service with what analyses added to it; returns the seconds spent. */
  async deleteAll(): Promise<number> {
    const started = performance.now();
    for (let from = 0; from < this.count; from += DELETE_BATCH) {
      await deleteServices(this.connection, Array.from({ length: Math.min(DELETE_BATCH, this.count - from) }, (_, k) => this.service(from + k)));
    }
    this.count = 0;
    return (performance.now() - started) / 1000;
  }

  private service(n: number): string {
    return `${this.prefix}-${n}`;
  }
}
