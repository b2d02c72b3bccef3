"""Drives the emulator with boto3, as a Python user of SageMaker would (test/integration/emulator/aws-clients.test.ts
runs it and checks what it prints).

    python3 aws-clients.py ab                      # the A/B steps of SageMaker's "Test models in production" guide
    python3 aws-clients.py cloudwatch <tag> <t0>   # CloudWatch calls whose answers must not depend on the protocol

The endpoint comes from AWS_ENDPOINT_URL (botocore 1.31+ reads it; older ones, like Debian's, get it passed).
Setting AWS_DATA_PATH to a CloudWatch model whose protocol is "query" makes botocore send CloudWatch's query protocol.
"""
import datetime
import json
import os
import sys
import time

import boto3
import botocore

MODEL_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecution"


def protocol(c):
    """The protocol botocore speaks to the service (newer models list several; older botocore has one)."""
    model = c.meta.service_model
    return getattr(model, "resolved_protocol", model.protocol)


def client(service):
    version = tuple(int(x) for x in botocore.__version__.split(".")[:2])
    extra = {} if version >= (1, 31) else {"endpoint_url": os.environ["AWS_ENDPOINT_URL"]}
    return boto3.client(service, **extra)


def wait_in_service(sm, name):
    deadline = time.time() + 30
    while True:
        status = sm.describe_endpoint(EndpointName=name)["EndpointStatus"]
        if status not in ("Creating", "Updating"):
            return status
        if time.time() > deadline:
            raise RuntimeError(f"{name} still {status}")
        time.sleep(0.05)


def ab():
    sm, runtime, cw = client("sagemaker"), client("sagemaker-runtime"), client("cloudwatch")
    out = {"protocol": protocol(cw)}
    # Step 1: two models, two production variants at weight 1 each, the endpoint.
    for name, artifact in (("DEMO-xgb-churn-pred", "champion"), ("DEMO-xgb-churn-pred2", "challenger")):
        sm.create_model(
            ModelName=name,
            ExecutionRoleArn=ROLE,
            PrimaryContainer={"Image": MODEL_IMAGE, "ModelDataUrl": f"s3://models/churn/{artifact}/model.tar.gz"},
        )
    variants = [
        {
            "VariantName": variant,
            "ModelName": model,
            "InstanceType": "ml.m5.xlarge",
            "InitialInstanceCount": 1,
            "InitialVariantWeight": 1,
        }
        for variant, model in (("Variant1", "DEMO-xgb-churn-pred"), ("Variant2", "DEMO-xgb-churn-pred2"))
    ]
    sm.create_endpoint_config(EndpointConfigName="DEMO-ab-config", ProductionVariants=variants)
    sm.create_endpoint(EndpointName="DEMO-ab", EndpointConfigName="DEMO-ab-config")
    out["created"] = wait_in_service(sm, "DEMO-ab")
    config = sm.describe_endpoint_config(EndpointConfigName="DEMO-ab-config")
    out["initialWeights"] = [repr(v["InitialVariantWeight"]) for v in config["ProductionVariants"]]

    # Step 2: traffic split by weight, then pinned with TargetVariant.
    rows = [line.split(",", 1)[1] for line in open(os.environ["HOLDOUT_CSV"]).read().splitlines()[-120:]]
    split = {"Variant1": 0, "Variant2": 0}
    for row in rows:
        answer = runtime.invoke_endpoint(EndpointName="DEMO-ab", ContentType="text/csv", Body=row)
        split[answer["InvokedProductionVariant"]] += 1
        float(answer["Body"].read())
    out["split"] = split
    targeted = set()
    for row in rows[:40]:
        answer = runtime.invoke_endpoint(EndpointName="DEMO-ab", ContentType="text/csv", Body=row, TargetVariant="Variant1")
        targeted.add(answer["InvokedProductionVariant"])
    out["targeted"] = sorted(targeted)

    # Invocations per variant from CloudWatch, once SageMaker has published them.
    expected = {"Variant1": split["Variant1"] + 40, "Variant2": split["Variant2"]}
    now = datetime.datetime.now(datetime.timezone.utc)
    deadline = time.time() + 20
    while True:
        seen = {}
        for variant in expected:
            stats = cw.get_metric_statistics(
                Namespace="AWS/SageMaker",
                MetricName="Invocations",
                Dimensions=[{"Name": "EndpointName", "Value": "DEMO-ab"}, {"Name": "VariantName", "Value": variant}],
                StartTime=now - datetime.timedelta(minutes=10),
                EndTime=now + datetime.timedelta(minutes=10),
                Period=60,
                Statistics=["Sum"],
            )
            seen[variant] = sum(p["Sum"] for p in stats["Datapoints"])
        if seen == expected or time.time() > deadline:
            break
        time.sleep(0.2)
    out["cloudwatchInvocations"] = seen
    out["expectedInvocations"] = expected

    # Step 4: shift traffic 25/75, then all of it to Variant2.
    weights = []
    for desired in ((25, 75), (0, 1)):
        sm.update_endpoint_weights_and_capacities(
            EndpointName="DEMO-ab",
            DesiredWeightsAndCapacities=[
                {"VariantName": "Variant1", "DesiredWeight": desired[0]},
                {"VariantName": "Variant2", "DesiredWeight": desired[1]},
            ],
        )
        wait_in_service(sm, "DEMO-ab")
        described = sm.describe_endpoint(EndpointName="DEMO-ab")["ProductionVariants"]
        weights.append({v["VariantName"]: repr(v["CurrentWeight"]) for v in described})
    out["weights"] = weights
    after = {runtime.invoke_endpoint(EndpointName="DEMO-ab", ContentType="text/csv", Body=row)["InvokedProductionVariant"] for row in rows[:30]}
    out["afterShift"] = sorted(after)

    # Then update the endpoint to a config with Variant2 alone, and delete Variant1's model.
    sm.create_endpoint_config(EndpointConfigName="DEMO-ab-final", ProductionVariants=[variants[1]])
    sm.update_endpoint(EndpointName="DEMO-ab", EndpointConfigName="DEMO-ab-final")
    out["updated"] = wait_in_service(sm, "DEMO-ab")
    final = sm.describe_endpoint(EndpointName="DEMO-ab")
    out["final"] = {
        "config": final["EndpointConfigName"],
        "variants": [(v["VariantName"], repr(v["CurrentWeight"])) for v in final["ProductionVariants"]],
    }
    sm.delete_model(ModelName="DEMO-xgb-churn-pred")
    return out


def plain(value, tag):
    """JSON-able, with the run's tag taken out so runs over different protocols compare equal."""
    if isinstance(value, dict):
        return {k: plain(v, tag) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [plain(v, tag) for v in value]
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc).isoformat()
    if isinstance(value, str):
        return value.replace(tag, "TAG")
    return value


def cloudwatch(tag, t0):
    cw = client("cloudwatch")
    ns = f"Emu/{tag}"
    at = lambda s: datetime.datetime.fromtimestamp(t0 + s, datetime.timezone.utc)  # noqa: E731
    out = {}
    cw.put_metric_data(
        Namespace=ns,
        MetricData=[
            {"MetricName": "Latency", "Timestamp": at(5), "Value": 10.0, "Unit": "Milliseconds", "StorageResolution": 1,
             "Dimensions": [{"Name": "Host", "Value": "a"}]},
            {"MetricName": "Latency", "Timestamp": at(35), "Values": [20.0, 30.0], "Counts": [1.0, 2.0],
             "Unit": "Milliseconds", "StorageResolution": 1, "Dimensions": [{"Name": "Host", "Value": "a"}]},
            {"MetricName": "Errors", "Timestamp": at(70), "StatisticValues": {"SampleCount": 4, "Sum": 2, "Minimum": 0, "Maximum": 1}},
        ],
    )
    query = lambda i, m, stat, period, dims=(): {  # noqa: E731
        "Id": i,
        "MetricStat": {"Metric": {"Namespace": ns, "MetricName": m, "Dimensions": list(dims)}, "Period": period, "Stat": stat},
    }
    host = [{"Name": "Host", "Value": "a"}]
    out["getMetricData"] = cw.get_metric_data(
        MetricDataQueries=[query("avg", "Latency", "Average", 30, host), query("p50", "Latency", "p50", 30, host),
                           query("errors", "Errors", "Sum", 60)],
        StartTime=at(-60),
        EndTime=at(600),
        ScanBy="TimestampAscending",
    )
    out["getMetricStatistics"] = cw.get_metric_statistics(
        Namespace=ns, MetricName="Latency", Dimensions=host, StartTime=at(0), EndTime=at(120), Period=60,
        Statistics=["SampleCount", "Sum", "Maximum"],
    )
    out["percentiles"] = cw.get_metric_statistics(
        Namespace=ns, MetricName="Latency", Dimensions=host, StartTime=at(0), EndTime=at(120), Period=60,
        ExtendedStatistics=["p50", "p99"],
    )
    out["listMetrics"] = cw.list_metrics(Namespace=ns)
    cw.put_metric_alarm(
        AlarmName=f"{tag}-errors", Namespace=ns, MetricName="Errors", Statistic="Sum", Period=60, EvaluationPeriods=1,
        Threshold=1.0, ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmDescription="errors & more <1>",
    )
    cw.set_alarm_state(AlarmName=f"{tag}-errors", StateValue="ALARM", StateReason="by hand")
    cw.put_composite_alarm(AlarmName=f"{tag}-page", AlarmRule=f'ALARM("{tag}-errors") AND NOT FALSE')
    described = cw.describe_alarms(AlarmNamePrefix=tag, AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    for a in described["MetricAlarms"] + described["CompositeAlarms"]:
        for key in ("AlarmConfigurationUpdatedTimestamp", "StateUpdatedTimestamp", "StateTransitionedTimestamp",
                    "StateReason", "StateReasonData"):
            a.pop(key, None)
    out["describeAlarms"] = described
    out["metricAlarmsOnly"] = [a["AlarmName"] for a in cw.describe_alarms(AlarmNamePrefix=tag)["MetricAlarms"]]
    cw.delete_alarms(AlarmNames=[f"{tag}-page"])
    cw.delete_alarms(AlarmNames=[f"{tag}-errors"])
    errors = []
    for call in (
        lambda: cw.get_metric_data(MetricDataQueries=[query("bad", "Latency", "Sum", 45)], StartTime=at(0), EndTime=at(60)),
        lambda: cw.set_alarm_state(AlarmName=f"{tag}-gone", StateValue="OK", StateReason="x"),
    ):
        try:
            call()
            errors.append(None)
        except botocore.exceptions.ClientError as e:
            errors.append({"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"],
                           "status": e.response["ResponseMetadata"]["HTTPStatusCode"]})
    out["errors"] = errors
    return {"protocol": protocol(cw), "answers": plain(out, tag)}


if __name__ == "__main__":
    if sys.argv[1] == "ab":
        result = ab()
    else:
        result = cloudwatch(sys.argv[2], int(sys.argv[3]))
    result["botocore"] = botocore.__version__
    print(json.dumps(result))
