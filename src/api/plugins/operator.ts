// What operators look at: the dashboard at `/`, Prometheus metrics at `/metrics` and the baseline bands the
// dashboard draws. One plugin so the app registers it with one line.
import fp from 'fastify-plugin';
import type { Config } from '../../config';
import { dashboardPlugin } from '../dashboard/plugin';
import { baselineRoutes, type BaselineReader } from '../routes/baselines';
import { metricsRoutes } from '../routes/metrics';
import metricsPlugin from './metrics';

export interface OperatorPluginOptions {
  config: Config;
  baselines: BaselineReader;
}

export default fp<OperatorPluginOptions>(
  async (app, { config, baselines }) => {
    // Registered at the root (fastify-plugin), so its request hook sees every route.
    await app.register(metricsPlugin);
    await app.register(metricsRoutes);
    await app.register(baselineRoutes, { prefix: '/api/self_healing', config, baselines });
    await app.register(dashboardPlugin);
  },
  { name: 'operator', fastify: '5.x', dependencies: ['auth', 'socket-io'] },
);
