/**
 * The constraint tables the awsJson1_1 services validate their input with.
 * They are written from the AWS service models (see ../tables/generate.ts) so
 * that local validation reports the same members, limits and patterns as AWS.
 */

interface Bounds {
  /** Minimum length (strings, lists, maps) or minimum value (numbers). */
  min?: number;
  /** Maximum length (strings, lists, maps) or maximum value (numbers). */
  max?: number;
}

export interface StructureShape {
  type: "structure";
  /** Member name (as sent on the wire) → shape name. */
  members: Record<string, string>;
  required?: string[];
}

export interface StringShape extends Bounds {
  type: "string";
  pattern?: string;
  enum?: string[];
}

export interface NumberShape extends Bounds {
  type: "integer" | "long" | "float" | "double";
}

export interface ListShape extends Bounds {
  type: "list";
  member: string;
}

export interface MapShape extends Bounds {
  type: "map";
  key: string;
  value: string;
}

export interface ScalarShape {
  type: "boolean" | "timestamp" | "blob";
}

export type Shape = StructureShape | StringShape | NumberShape | ListShape | MapShape | ScalarShape;

export type ShapeTable = Record<string, Shape>;

/** One service's tables: the input shape of every operation, and the shapes they reach. */
export interface ServiceTables {
  operations: Record<string, string>;
  shapes: ShapeTable;
}
