// The query protocol's form parsing and XML writing, typed by botocore's CloudWatch shapes.
import { CLOUDWATCH_SHAPES, CLOUDWATCH_XML_NAMESPACE } from '../../../src/emulator/cloudwatch-shapes';
import {
  parseQueryInput,
  QueryInputError,
  queryErrorXml,
  queryResponseXml,
} from '../../../src/emulator/query-protocol';

test('a form as botocore writes it becomes the input the awsJson handlers get', () => {
  const form = new URLSearchParams(
    'Action=GetMetricData&Version=2010-08-01' +
      '&MetricDataQueries.member.1.Id=inv&MetricDataQueries.member.1.ReturnData=false' +
      '&MetricDataQueries.member.1.MetricStat.Metric.Namespace=AWS%2FSageMaker' +
      '&MetricDataQueries.member.1.MetricStat.Metric.MetricName=Invocations' +
      '&MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name=EndpointName' +
      '&MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value=ep' +
      '&MetricDataQueries.member.1.MetricStat.Period=60&MetricDataQueries.member.1.MetricStat.Stat=Sum' +
      '&MetricDataQueries.member.2.Id=lat&MetricDataQueries.member.2.MetricStat.Metric.Namespace=AWS%2FSageMaker' +
      '&MetricDataQueries.member.2.MetricStat.Metric.MetricName=ModelLatency' +
      '&MetricDataQueries.member.2.MetricStat.Metric.Dimensions=' +
      '&MetricDataQueries.member.2.MetricStat.Period=300&MetricDataQueries.member.2.MetricStat.Stat=p99' +
      '&StartTime=2026-12-05T19%3A00%3A00Z&EndTime=2026-12-05T20%3A00%3A00.500Z&MaxDatapoints=10',
  );
  expect(parseQueryInput(form, 'GetMetricDataInput', CLOUDWATCH_SHAPES)).toEqual({
    MetricDataQueries: [
      {
        Id: 'inv',
        ReturnData: false,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/SageMaker',
            MetricName: 'Invocations',
            Dimensions: [{ Name: 'EndpointName', Value: 'ep' }],
          },
          Period: 60,
          Stat: 'Sum',
        },
      },
      {
        Id: 'lat',
        MetricStat: {
          Metric: { Namespace: 'AWS/SageMaker', MetricName: 'ModelLatency', Dimensions: [] },
          Period: 300,
          Stat: 'p99',
        },
      },
    ],
    StartTime: Date.parse('2026-12-05T19:00:00Z') / 1000,
    EndTime: Date.parse('2026-12-05T20:00:00.500Z') / 1000,
    MaxDatapoints: 10,
  });
  expect(() =>
    parseQueryInput(new URLSearchParams('MaxDatapoints=ten'), 'GetMetricDataInput', CLOUDWATCH_SHAPES),
  ).toThrow(QueryInputError);
});

test('answers are XML in the result wrapper: lists as member, maps as entry, timestamps ISO 8601, unknown members dropped', () => {
  const xml = queryResponseXml(
    'GetMetricStatistics',
    CLOUDWATCH_XML_NAMESPACE,
    'req-1',
    {
      shape: 'GetMetricStatisticsOutput',
      resultWrapper: 'GetMetricStatisticsResult',
      body: {
        Label: 'a<b',
        Datapoints: [{ Timestamp: 1_800_000_000, Sum: 3, Unit: 'None', ExtendedStatistics: { p99: 1.5 } }],
        NotInTheModel: 1,
      },
    },
    CLOUDWATCH_SHAPES,
  );
  expect(xml).toBe(
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<GetMetricStatisticsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><GetMetricStatisticsResult>' +
      '<Label>a&lt;b</Label><Datapoints><member><Timestamp>2027-01-15T08:00:00.000Z</Timestamp><Sum>3</Sum>' +
      '<Unit>None</Unit><ExtendedStatistics><entry><key>p99</key><value>1.5</value></entry></ExtendedStatistics>' +
      '</member></Datapoints></GetMetricStatisticsResult><ResponseMetadata><RequestId>req-1</RequestId>' +
      '</ResponseMetadata></GetMetricStatisticsResponse>',
  );
  expect(
    queryErrorXml(CLOUDWATCH_XML_NAMESPACE, 'r', { type: 'Sender', code: 'InvalidParameterValue', message: 'x & y' }),
  ).toBe(
    '<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">' +
      '<Error><Type>Sender</Type><Code>InvalidParameterValue</Code><Message>x &amp; y</Message></Error>' +
      '<RequestId>r</RequestId></ErrorResponse>',
  );
});
