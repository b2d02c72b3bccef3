// Temporal's JSON history (proto3 JSON, as `temporal workflow show --output json` prints it) to and from the History
// that Worker.runReplayHistory takes.
//
// Not @temporalio/common's historyFromJSON/historyToJSON: in this dependency tree they throw "type must be a Type"
// (and so does runReplayHistory given JSON, which calls them). npm nests a copy of protobufjs 8 under each of
// @temporalio/common, /proto and /worker, because @grpc/proto-loader keeps protobufjs 7 at the top of node_modules;
// protojson's `instanceof Type` checks against common's copy while the History type was built by proto's. The same
// conversion with the protobufjs that @temporalio/proto itself loads works. (Deduplicating protobufjs 8 in the
// lockfile would make the SDK's own functions work again.)
import { dirname } from 'node:path';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

type History = proto.temporal.api.history.v1.IHistory;
type MessageType = { fullName: string };
interface ProtoJson {
  fromJson(type: MessageType, json: unknown, options: { ignoreUnknownFields: boolean }): History | null;
  toJson(type: MessageType, message: unknown): unknown;
}

const protoDir = dirname(require.resolve('@temporalio/proto/package.json'));
const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [protoDir] })) as ProtoJson;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): MessageType }).lookupType(
  'temporal.api.history.v1.History',
);

export function historyFromJson(json: unknown): History {
  if (!Array.isArray((json as { events?: unknown } | null)?.events)) {
    throw new TypeError('not a Temporal history: expected an object with an array of events');
  }
  const history = protojson.fromJson(historyType, json, { ignoreUnknownFields: true });
  if (!history) throw new TypeError('not a Temporal history');
  return history;
}

export function historyToJson(history: History): unknown {
  return protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history));
}
