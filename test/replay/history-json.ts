// Histories to and from the JSON that `temporal workflow show --output json` writes (proto3 JSON).
//
// Not @temporalio/common's historyToJSON/historyFromJSON: with this lockfile @temporalio/common and @temporalio/proto
// each get their own nested copy of protobufjs 8 (a protobufjs 7 is hoisted for @grpc/proto-loader), and those
// functions then throw "type must be a Type" (an instanceof across the two copies). So the protobufjs that
// @temporalio/proto itself loads does the conversion, on the same patched root the SDK uses.
import path from 'node:path';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

export type History = proto.temporal.api.history.v1.IHistory;

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [path.dirname(require.resolve('@temporalio/proto'))] })) as ProtoJson;
// The CommonJS module itself: under vitest, `import * as` wraps it in a namespace object that patchProtobufRoot cannot walk.
const root = ((proto as { default?: typeof proto }).default ?? proto) as typeof proto;
const historyType = (patchProtobufRoot(root) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');

export function historyToJson(history: History): unknown {
  return protojson.toJson(historyType, root.temporal.api.history.v1.History.fromObject(history));
}

export function historyFromJson(json: unknown): History {
  const history = protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History | null;
  if (!history?.events?.length) throw new TypeError('not a workflow history: no events');
  return history;
}
