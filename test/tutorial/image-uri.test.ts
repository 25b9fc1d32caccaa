import { describe, expect, it } from "vitest";
import { ecrDomain, IMAGE_CLASSIFICATION_ACCOUNTS, imageClassificationImageUri } from "../../src/tutorial/image-uri";

describe("imageClassificationImageUri", () => {
  it.each(Object.entries(IMAGE_CLASSIFICATION_ACCOUNTS))("%s -> <account>.dkr.ecr.<region>.<domain>/image-classification:1", (region, account) => {
    const uri = imageClassificationImageUri(region);
    expect(uri).toBe(`${account}.dkr.ecr.${region}.${ecrDomain(region)}/image-classification:1`);
    expect(account).toMatch(/^\d{12}$/);
  });

  it("gives the documented us-east-1 image", () => {
    expect(imageClassificationImageUri("us-east-1")).toBe("811284229777.dkr.ecr.us-east-1.amazonaws.com/image-classification:1");
  });

  it("uses amazonaws.com.cn in China and amazonaws.com in GovCloud", () => {
    expect(imageClassificationImageUri("cn-north-1")).toBe("390948362332.dkr.ecr.cn-north-1.amazonaws.com.cn/image-classification:1");
    expect(imageClassificationImageUri("cn-northwest-1")).toMatch(/\.amazonaws\.com\.cn\//);
    expect(imageClassificationImageUri("us-gov-west-1")).toBe("226302683700.dkr.ecr.us-gov-west-1.amazonaws.com/image-classification:1");
  });

  it("uses the isolated partitions' domains", () => {
    expect(ecrDomain("us-iso-east-1")).toBe("c2s.ic.gov");
    expect(ecrDomain("us-isob-east-1")).toBe("sc2s.sgov.gov");
    expect(ecrDomain("us-isof-south-1")).toBe("csp.hci.ic.gov");
  });

  it("covers the 37 regions of the SageMaker SDK's table", () => {
    expect(Object.keys(IMAGE_CLASSIFICATION_ACCOUNTS)).toHaveLength(37);
  });

  it("refuses an unknown region, listing the known ones and how to pass an image", () => {
    expect(() => imageClassificationImageUri("mars-north-1")).toThrow(/region: .*"mars-north-1".*us-west-2.*training_image = /);
    expect(() => imageClassificationImageUri("toString")).toThrow(/no image-classification algorithm image/);
  });
});
