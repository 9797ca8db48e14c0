import { type SchemaOptions, Type } from "@sinclair/typebox";

/**
 * How the wire schemas are written. They are TypeBox, so one declaration gives the JSON Schema that
 * Fastify validates and serialises with and the TypeScript type the domain and the routes use.
 * Nothing here knows Fastify: the domain may import this folder.
 */

/** Wire objects are closed; the server relaxes that by configuration (app.ts). */
export const closed = { additionalProperties: false } as const;

/**
 * The schema annotation that says, as a noun phrase, what a value must be: "a phone number in E.164
 * format: …". Every `pattern` needs one (a regex means nothing to a caller); validation messages
 * (http/validation-messages.ts) use it and OpenAPI shows it.
 */
export const EXPECTED = "x-expected";

/**
 * A string that is one of `values`: a union of literals, which TypeBox's `Value.Check` understands
 * too (catalogue-files.ts checks operator files with these schemas); messages list the values.
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}) {
  return Type.Union(
    values.map((value: T[number]) => Type.Literal(value)),
    options,
  );
}
