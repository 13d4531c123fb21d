/** A JSON Schema (draft 2020-12 subset used by the config schema). */
export interface JsonSchema {
  type?: string | string[];
  description?: string;
  markdownDescription?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  discriminator?: { propertyName: string };
  examples?: unknown[];
  [key: string]: unknown;
}
