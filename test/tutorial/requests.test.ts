import { describe, expect, it } from "vitest";
import { buildTrainingJobRequest } from "../../src/tutorial/training";
import { buildCreateModelRequest } from "../../src/tutorial/model";
import { buildTransformJobRequest } from "../../src/tutorial/transform";
import { buildEndpointConfigRequest, buildEndpointRequest } from "../../src/tutorial/hosting";
import { job_name_prefix, timestamp, checkResourceName } from "../../src/tutorial/names";

const role = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-1";
const bucket = "sagemaker-us-west-2-123456789012";
const image = "433757028032.dkr.ecr.us-west-2.amazonaws.com/image-classification:1";
const ts = timestamp(new Date(Date.UTC(2018, 5, 24, 19, 59, 29)));

describe("names", () => {
  it("formats the tutorial's timestamp in UTC and builds its names", () => {
    expect(ts).toBe("-2018-06-24-19-59-29");
    expect(job_name_prefix + "-" + ts).toBe("DEMO-imageclassification--2018-06-24-19-59-29");
    expect(job_name_prefix + "-ep-" + ts).toBe("DEMO-imageclassification-ep--2018-06-24-19-59-29");
  });

  it("checks SageMaker's name rules, naming the field", () => {
    expect(checkResourceName("job_name", "a-b--c")).toBe("a-b--c");
    expect(() => checkResourceName("job_name", "-a")).toThrow(/job_name: "-a" is not a valid SageMaker name/);
    expect(() => checkResourceName("model_name", "a_b")).toThrow(/model_name/);
    expect(() => checkResourceName("endpoint_name", "a".repeat(64))).toThrow(/1 to 63/);
  });
});

describe("the tutorial's requests", () => {
  it("C4: CreateTrainingJob", () => {
    const request = buildTrainingJobRequest({
      jobName: job_name_prefix + "-" + ts,
      jobNamePrefix: job_name_prefix,
      trainingImage: image,
      role,
      bucket,
      hyperParameters: {
        image_shape: "3,224,224",
        num_layers: "18",
        num_training_samples: "15420",
        num_classes: "257",
        mini_batch_size: "64",
        epochs: "2",
        learning_rate: "0.01",
      },
      s3Train: `s3://${bucket}/image-classification-full-training/train/`,
      s3Validation: `s3://${bucket}/image-classification-full-training/validation/`,
    });
    expect(request).toMatchInlineSnapshot(`
      {
        "AlgorithmSpecification": {
          "TrainingImage": "433757028032.dkr.ecr.us-west-2.amazonaws.com/image-classification:1",
          "TrainingInputMode": "File",
        },
        "HyperParameters": {
          "epochs": "2",
          "image_shape": "3,224,224",
          "learning_rate": "0.01",
          "mini_batch_size": "64",
          "num_classes": "257",
          "num_layers": "18",
          "num_training_samples": "15420",
        },
        "InputDataConfig": [
          {
            "ChannelName": "train",
            "CompressionType": "None",
            "ContentType": "application/x-recordio",
            "DataSource": {
              "S3DataSource": {
                "S3DataDistributionType": "FullyReplicated",
                "S3DataType": "S3Prefix",
                "S3Uri": "s3://sagemaker-us-west-2-123456789012/image-classification-full-training/train/",
              },
            },
          },
          {
            "ChannelName": "validation",
            "CompressionType": "None",
            "ContentType": "application/x-recordio",
            "DataSource": {
              "S3DataSource": {
                "S3DataDistributionType": "FullyReplicated",
                "S3DataType": "S3Prefix",
                "S3Uri": "s3://sagemaker-us-west-2-123456789012/image-classification-full-training/validation/",
              },
            },
          },
        ],
        "OutputDataConfig": {
          "S3OutputPath": "s3://sagemaker-us-west-2-123456789012/DEMO-imageclassification/output",
        },
        "ResourceConfig": {
          "InstanceCount": 1,
          "InstanceType": "ml.p2.xlarge",
          "VolumeSizeInGB": 50,
        },
        "RoleArn": "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-1",
        "StoppingCondition": {
          "MaxRuntimeInSeconds": 360000,
        },
        "TrainingJobName": "DEMO-imageclassification--2018-06-24-19-59-29",
      }
    `);
  });

  it("C4: instance type, count and volume are parameters", () => {
    const request = buildTrainingJobRequest({
      jobName: "j",
      jobNamePrefix: "p",
      trainingImage: image,
      role,
      bucket,
      hyperParameters: { num_classes: "10", num_training_samples: "600" },
      s3Train: "s3://b/t/",
      s3Validation: "s3://b/v/",
      instanceType: "ml.p3.2xlarge",
      instanceCount: 2,
      volumeSizeInGB: 10,
    });
    expect(request.ResourceConfig).toEqual({ InstanceCount: 2, InstanceType: "ml.p3.2xlarge", VolumeSizeInGB: 10 });
  });

  it("C4: validates before any request, naming the field", () => {
    const base = {
      jobName: "j",
      jobNamePrefix: "p",
      trainingImage: image,
      role,
      bucket,
      hyperParameters: { num_classes: "10", num_training_samples: "600" },
      s3Train: "s3://b/t/",
      s3Validation: "s3://b/v/",
    };
    expect(() => buildTrainingJobRequest({ ...base, hyperParameters: { num_classes: "10", num_training_samples: "600", num_layers: "19" } })).toThrow(/'num_layers'/);
    expect(() => buildTrainingJobRequest({ ...base, jobName: "bad_name" })).toThrow(/job_name/);
    expect(() => buildTrainingJobRequest({ ...base, role: "nope" })).toThrow(/role/);
    expect(() => buildTrainingJobRequest({ ...base, s3Train: "/tmp/x" })).toThrow(/S3 URI/);
    expect(() => buildTrainingJobRequest({ ...base, volumeSizeInGB: 0 })).toThrow(/volume_size_in_gb: 0/);
  });

  it("C7: CreateModel", () => {
    expect(
      buildCreateModelRequest({
        modelName: "DEMO-full-image-classification-model" + ts,
        role,
        image,
        modelDataUrl: `s3://${bucket}/DEMO-imageclassification/output/job/output/model.tar.gz`,
      }),
    ).toMatchInlineSnapshot(`
      {
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-1",
        "ModelName": "DEMO-full-image-classification-model-2018-06-24-19-59-29",
        "PrimaryContainer": {
          "Image": "433757028032.dkr.ecr.us-west-2.amazonaws.com/image-classification:1",
          "ModelDataUrl": "s3://sagemaker-us-west-2-123456789012/DEMO-imageclassification/output/job/output/model.tar.gz",
        },
      }
    `);
    expect(() => buildCreateModelRequest({ modelName: "m", role, image, modelDataUrl: "model.tar.gz" })).toThrow(/model_data/);
  });

  it("C10: CreateTransformJob", () => {
    expect(
      buildTransformJobRequest({
        batchJobName: "image-classification-model" + ts,
        modelName: "DEMO-full-image-classification-model" + ts,
        bucket,
        batchInput: `s3://${bucket}/image-classification-full-training/test/`,
      }),
    ).toMatchInlineSnapshot(`
      {
        "BatchStrategy": "SingleRecord",
        "MaxConcurrentTransforms": 16,
        "MaxPayloadInMB": 6,
        "ModelName": "DEMO-full-image-classification-model-2018-06-24-19-59-29",
        "TransformInput": {
          "CompressionType": "None",
          "ContentType": "application/x-image",
          "DataSource": {
            "S3DataSource": {
              "S3DataType": "S3Prefix",
              "S3Uri": "s3://sagemaker-us-west-2-123456789012/image-classification-full-training/test/",
            },
          },
          "SplitType": "None",
        },
        "TransformJobName": "image-classification-model-2018-06-24-19-59-29",
        "TransformOutput": {
          "S3OutputPath": "s3://sagemaker-us-west-2-123456789012/image-classification-model-2018-06-24-19-59-29/output",
        },
        "TransformResources": {
          "InstanceCount": 1,
          "InstanceType": "ml.p2.xlarge",
        },
      }
    `);
  });

  it("C13 and C14: endpoint configuration with variant AllTraffic, and the endpoint", () => {
    expect(
      buildEndpointConfigRequest({ endpointConfigName: job_name_prefix + "-epc-" + ts, modelName: "DEMO-full-image-classification-model" + ts }),
    ).toMatchInlineSnapshot(`
      {
        "EndpointConfigName": "DEMO-imageclassification-epc--2018-06-24-19-59-29",
        "ProductionVariants": [
          {
            "InitialInstanceCount": 1,
            "InstanceType": "ml.m4.xlarge",
            "ModelName": "DEMO-full-image-classification-model-2018-06-24-19-59-29",
            "VariantName": "AllTraffic",
          },
        ],
      }
    `);
    expect(buildEndpointRequest(job_name_prefix + "-ep-" + ts, job_name_prefix + "-epc-" + ts)).toEqual({
      EndpointName: "DEMO-imageclassification-ep--2018-06-24-19-59-29",
      EndpointConfigName: "DEMO-imageclassification-epc--2018-06-24-19-59-29",
    });
    expect(() => buildEndpointRequest("bad name", "x")).toThrow(/endpoint_name/);
  });
});
