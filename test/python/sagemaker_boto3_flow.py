"""The tutorial's SageMaker flow through boto3 against the local SageMaker.

Run by test/local/sagemaker/wire-compat.test.ts with Debian's Python
(/usr/bin/python3, python3-boto3). Reads LOCAL_ENDPOINT, LOCAL_REGION,
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ECHO_IMAGE, ROLE_ARN and BUCKET from
the environment; asserts as it goes and prints a JSON summary on success.
Leaves the endpoint "boto3-ep" in service for the AWS CLI part of the test.
"""
import datetime
import json
import os
import sys

import boto3
from botocore.exceptions import ClientError

endpoint = os.environ["LOCAL_ENDPOINT"]
region = os.environ["LOCAL_REGION"]
image = os.environ["ECHO_IMAGE"]
role = os.environ["ROLE_ARN"]
bucket = os.environ["BUCKET"]

session = boto3.session.Session(region_name=region)
s3 = session.client("s3", endpoint_url=endpoint)
sm = session.client("sagemaker", endpoint_url=endpoint)
runtime = session.client("sagemaker-runtime", endpoint_url=endpoint)
logs = session.client("logs", endpoint_url=endpoint)
fast = {"Delay": 1, "MaxAttempts": 60}
summary = {}

s3.put_object(Bucket=bucket, Key="boto3/train/data.txt", Body=b"boto3 data")

sm.create_training_job(
    TrainingJobName="boto3-job",
    AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File"},
    RoleArn=role,
    HyperParameters={"epochs": "2"},
    InputDataConfig=[
        {
            "ChannelName": "train",
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/boto3/train", "S3DataDistributionType": "FullyReplicated"}},
            "ContentType": "application/x-recordio",
            "CompressionType": "None",
        }
    ],
    OutputDataConfig={"S3OutputPath": f"s3://{bucket}/boto3/output"},
    ResourceConfig={"InstanceCount": 1, "InstanceType": "ml.p2.xlarge", "VolumeSizeInGB": 50},
    StoppingCondition={"MaxRuntimeInSeconds": 360000},
)
sm.get_waiter("training_job_completed_or_stopped").wait(TrainingJobName="boto3-job", WaiterConfig=fast)
job = sm.describe_training_job(TrainingJobName="boto3-job")
assert job["TrainingJobStatus"] == "Completed", job
assert isinstance(job["CreationTime"], datetime.datetime), job["CreationTime"]
summary["status"] = job["TrainingJobStatus"]
summary["secondary"] = [t["Status"] for t in job["SecondaryStatusTransitions"]]
summary["metrics"] = {m["MetricName"]: m["Value"] for m in job["FinalMetricDataList"]}
model_data = job["ModelArtifacts"]["S3ModelArtifacts"]

names = [s["TrainingJobName"] for page in sm.get_paginator("list_training_jobs").paginate(PaginationConfig={"PageSize": 1}) for s in page["TrainingJobSummaries"]]
summary["listed"] = names

try:
    sm.describe_training_job(TrainingJobName="no-such-job")
    raise AssertionError("describe of a missing job succeeded")
except ClientError as e:
    summary["missing_job"] = [e.response["Error"]["Code"], e.response["Error"]["Message"]]

sm.create_model(ModelName="boto3-model", ExecutionRoleArn=role, PrimaryContainer={"Image": image, "ModelDataUrl": model_data})
sm.create_endpoint_config(
    EndpointConfigName="boto3-epc",
    ProductionVariants=[{"InstanceType": "ml.m4.xlarge", "InitialInstanceCount": 1, "ModelName": "boto3-model", "VariantName": "AllTraffic"}],
)
sm.create_endpoint(EndpointName="boto3-ep", EndpointConfigName="boto3-epc")
sm.get_waiter("endpoint_in_service").wait(EndpointName="boto3-ep", WaiterConfig=fast)
summary["endpoint_arn"] = sm.describe_endpoint(EndpointName="boto3-ep")["EndpointArn"]

answer = runtime.invoke_endpoint(EndpointName="boto3-ep", ContentType="application/x-image", Body=b"\x89PNG fake", CustomAttributes="c=1")
summary["invoke"] = {
    "body": json.loads(answer["Body"].read()),
    "content_type": answer["ContentType"],
    "variant": answer["InvokedProductionVariant"],
    "custom": answer["CustomAttributes"],
}
try:
    runtime.invoke_endpoint(EndpointName="boto3-ep", ContentType="text/plain", Body=b"FAIL400")
    raise AssertionError("a failing model answer did not raise")
except runtime.exceptions.ModelError as e:
    summary["model_error"] = [e.response["Error"]["Code"], e.response["OriginalStatusCode"], e.response["OriginalMessage"]]
try:
    runtime.invoke_endpoint(EndpointName="nowhere", Body=b"x")
    raise AssertionError("invoking a missing endpoint succeeded")
except runtime.exceptions.ValidationError as e:
    summary["missing_endpoint"] = e.response["Error"]["Message"]

streams = logs.describe_log_streams(logGroupName="/aws/sagemaker/TrainingJobs", logStreamNamePrefix="boto3-job/")["logStreams"]
events = logs.get_log_events(logGroupName="/aws/sagemaker/TrainingJobs", logStreamName=streams[0]["logStreamName"], startFromHead=True)["events"]
summary["log_lines"] = len(events)

json.dump(summary, sys.stdout)
