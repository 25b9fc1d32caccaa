"""boto3 (Debian's python3-boto3) against the local S3: every call a Python
user would make in the tutorial, checked end to end. Run by
test/local/s3/wire-clients.test.ts with LOCAL_ENDPOINT, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY and AWS_DEFAULT_REGION set; prints one JSON line."""
import hashlib
import json
import os
import sys
import tempfile
import urllib.error
import urllib.request

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint = os.environ["LOCAL_ENDPOINT"]
cfg = Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1})
s3 = boto3.client("s3", endpoint_url=endpoint, config=cfg)
bucket = "boto3-" + os.urandom(4).hex()
checks = []


def check(name, cond, detail=""):
    checks.append(name)
    if not cond:
        print(json.dumps({"ok": False, "failed": name, "detail": str(detail)}))
        sys.exit(1)


s3.create_bucket(Bucket=bucket)
check("bucket listed", bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]])

put = s3.put_object(Bucket=bucket, Key="dir/hello.txt", Body=b"hello boto3", ContentType="text/plain", Metadata={"who": "boto3"})
check("put etag", put["ETag"] == '"%s"' % hashlib.md5(b"hello boto3").hexdigest(), put["ETag"])
got = s3.get_object(Bucket=bucket, Key="dir/hello.txt")
check("get body", got["Body"].read() == b"hello boto3")
check("get metadata", got["Metadata"] == {"who": "boto3"} and got["ContentType"] == "text/plain", got)
rng = s3.get_object(Bucket=bucket, Key="dir/hello.txt", Range="bytes=6-10")
check("range", rng["Body"].read() == b"boto3" and rng["ContentRange"] == "bytes 6-10/11", rng.get("ContentRange"))

for i in range(7):
    s3.put_object(Bucket=bucket, Key="many/%02d" % i, Body=b"x" * i)
pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="many/", PaginationConfig={"PageSize": 3}))
check("paginated pages", len(pages) == 3, len(pages))
check("paginated keys", [o["Key"] for p in pages for o in p.get("Contents", [])] == ["many/%02d" % i for i in range(7)])
delim = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
check("common prefixes", [p["Prefix"] for p in delim.get("CommonPrefixes", [])] == ["dir/", "many/"], delim.get("CommonPrefixes"))
check("key count", delim["KeyCount"] == 2, delim["KeyCount"])
v1 = s3.list_objects(Bucket=bucket, Prefix="many/", MaxKeys=4)
check("list v1", len(v1["Contents"]) == 4 and v1["IsTruncated"], v1.get("IsTruncated"))

with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "big.bin")
    data = os.urandom(12 * 1024 * 1024 + 5)
    with open(src, "wb") as f:
        f.write(data)
    tc = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
    s3.upload_file(src, bucket, "big.bin", Config=tc)
    head = s3.head_object(Bucket=bucket, Key="big.bin")
    check("multipart etag", head["ETag"].endswith('-3"'), head["ETag"])
    dst = os.path.join(tmp, "back.bin")
    s3.download_file(bucket, "big.bin", dst, Config=tc)
    with open(dst, "rb") as f:
        check("download equals upload", f.read() == data)

url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "dir/hello.txt"}, ExpiresIn=300)
check("presigned url shape", "X-Amz-Signature=" in url and "X-Amz-Content-Sha256" not in url, url)
with urllib.request.urlopen(url) as resp:
    check("presigned get", resp.read() == b"hello boto3")
put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "via-url"}, ExpiresIn=300)
req = urllib.request.Request(put_url, data=b"put by url", method="PUT")
with urllib.request.urlopen(req) as resp:
    check("presigned put", resp.status == 200)
check("presigned put stored", s3.get_object(Bucket=bucket, Key="via-url")["Body"].read() == b"put by url")

s3.copy_object(Bucket=bucket, Key="copy.txt", CopySource={"Bucket": bucket, "Key": "dir/hello.txt"})
check("copy", s3.get_object(Bucket=bucket, Key="copy.txt")["Body"].read() == b"hello boto3")
deleted = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "many/%02d" % i} for i in range(7)]})
check("delete objects", len(deleted.get("Deleted", [])) == 7, deleted)

try:
    s3.get_object(Bucket=bucket, Key="missing")
    check("missing key errors", False)
except ClientError as e:
    check("NoSuchKey", e.response["Error"]["Code"] == "NoSuchKey", e.response["Error"])

bad = boto3.client("s3", endpoint_url=endpoint, config=cfg, aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], aws_secret_access_key="wrong" * 8)
try:
    bad.list_buckets()
    check("wrong secret refused", False)
except ClientError as e:
    check("SignatureDoesNotMatch", e.response["Error"]["Code"] == "SignatureDoesNotMatch", e.response["Error"])

sts = boto3.client("sts", endpoint_url=endpoint)
ident = sts.get_caller_identity()
check("sts identity", ":assumed-role/" in ident["Arn"], ident["Arn"])
role_name = ident["Arn"].split("/")[1]
iam = boto3.client("iam", endpoint_url=endpoint)
role = iam.get_role(RoleName=role_name)["Role"]
check("iam role path", role["Arn"].endswith(":role/service-role/" + role_name), role["Arn"])

print(json.dumps({"ok": True, "checks": checks}))
