// CloudWatch over the query protocol, the form-encoded requests older clients (boto3, the AWS CLI) send to `POST /`,
// answered with XML documents.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CloudWatchError, handleCloudWatch } from '../cloudwatch';
import { CLOUDWATCH_QUERY_OPERATIONS, CLOUDWATCH_SHAPES, CLOUDWATCH_XML_NAMESPACE } from '../cloudwatch-shapes';
import { AwsError } from '../errors';
import { accessKeyIdOf, authorize } from '../iam/authorize';
import { parseQueryInput, QueryInputError, queryErrorXml, queryResponseXml } from '../query-protocol';
import type { EmulatorContext, Json } from '../state';
import { operationFault } from './operation-fault';
import { type LogDraft, type Recorder, resourceFrom } from './recorder';
import { requestId } from './request';

/** CloudWatch over the query protocol (form-encoded `Action=<Op>&Version=2010-08-01`, XML answers). */
export async function queryRpc(
  ctx: EmulatorContext,
  recorder: Recorder,
  req: IncomingMessage,
  res: ServerResponse,
  form: string,
  startedAt: number,
  region: string,
): Promise<void> {
  const reqId = requestId();
  const params = new URLSearchParams(form);
  const operation = params.get('Action') ?? '';
  const draft: LogDraft = { service: 'CloudWatch', operation, region };
  const send = (status: number, text: string) => {
    res.writeHead(status, {
      'Content-Type': 'text/xml',
      'Content-Length': Buffer.byteLength(text),
      'x-amzn-RequestId': reqId,
    });
    res.end(text);
  };
  try {
    const op = CLOUDWATCH_QUERY_OPERATIONS[operation];
    if (!op || params.get('Version') !== '2010-08-01') {
      throw new AwsError('InvalidAction', `The action ${operation} is not valid for this web service.`);
    }
    let input: Json;
    try {
      input = parseQueryInput(params, op.input, CLOUDWATCH_SHAPES);
    } catch (e) {
      if (e instanceof QueryInputError) throw new CloudWatchError('InvalidParameterValueException', e.message);
      throw e;
    }
    Object.assign(draft, resourceFrom(input));
    authorize(ctx, region, accessKeyIdOf(req), { service: 'CloudWatch', operation, input });
    const fault = operationFault(ctx, 'CloudWatch', operation);
    if (fault) throw fault;
    const result = handleCloudWatch(ctx, ctx.region(region), operation, input);
    const text = queryResponseXml(
      operation,
      CLOUDWATCH_XML_NAMESPACE,
      reqId,
      { shape: op.output, resultWrapper: op.resultWrapper, body: result.body },
      CLOUDWATCH_SHAPES,
    );
    send(200, text);
    recorder.record(draft, startedAt, 200, { changed: result.changed, result });
  } catch (err) {
    const e = err instanceof AwsError ? err : new CloudWatchError('InternalServiceFault', (err as Error).message);
    const [code, type] = e instanceof CloudWatchError ? e.queryError.split(';') : [e.code, 'Sender'];
    send(
      e.status,
      queryErrorXml(CLOUDWATCH_XML_NAMESPACE, reqId, {
        type: type === 'Receiver' ? 'Receiver' : 'Sender',
        code,
        message: e.message,
      }),
    );
    recorder.record(draft, startedAt, e.status, { errorCode: code, changed: false });
  }
}
