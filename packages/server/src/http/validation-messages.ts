/**
 * Schema violations in plain words. A message names the field as CAMARA does (`device.phoneNumber`,
 * `devicePorts.ports[0]`) and says what is expected, never how the validator phrases it.
 */

import { EXPECTED } from "../wire/kit.ts";

// Declared with the wire schemas that carry it; app.ts registers it with ajv from here.
export { EXPECTED };

/** One ajv error, as Fastify passes it on with ajv's `verbose` option (`parentSchema` is then set). */
export interface ValidationIssue {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
  parentSchema?: Record<string, unknown>;
}

type Schema = Record<string, unknown>;

const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  integer: "a whole number",
  number: "a number",
  boolean: "true or false",
  object: "an object",
  array: "a list",
  null: "null",
};

const FORMAT_WORDS: Record<string, string> = {
  ipv4: "an IPv4 address, e.g. 203.0.113.1",
  ipv6: "an IPv6 address, e.g. 2001:db8::1",
  uri: "an absolute URL, e.g. https://app.example.com/notifications",
  "date-time": "a date and time with a time zone, e.g. 2030-01-01T12:00:00Z",
  uuid: "a UUID, e.g. 3fa85f64-5717-4562-b3fc-2c963f66afa6",
};

/** `a, b or c` */
function oneOfWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** `/devicePorts/ports/0` → `devicePorts.ports[0]` (JSON pointer segments, unescaped). */
function fieldName(pointer: string): string {
  let name = "";
  for (const raw of pointer.split("/").slice(1)) {
    const segment = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    name += /^\d+$/.test(segment) ? `[${segment}]` : name === "" ? segment : `.${segment}`;
  }
  return name;
}

function join(parent: string, child: string): string {
  return parent === "" ? child : `${parent}.${child}`;
}

/** What a schema accepts, as a noun phrase: its annotation, else what its keywords say. */
function expected(schema: Schema | undefined): string | undefined {
  if (schema === undefined) return undefined;
  const annotation = schema[EXPECTED];
  if (typeof annotation === "string") return annotation;
  const values = allowedValues(schema);
  if (values !== undefined) return values.length === 1 ? values[0] : `one of ${oneOfWords(values)}`;
  const branches = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(branches)) {
    const words = (branches as Schema[]).map(expected);
    return words.every((w) => w !== undefined) ? oneOfWords(words) : undefined;
  }
  if (typeof schema.format === "string") return FORMAT_WORDS[schema.format] ?? `a valid ${schema.format}`;
  if (typeof schema.pattern === "string") return undefined;
  const types = schema.type === undefined ? [] : [schema.type].flat().map(String);
  return types.length > 0 ? oneOfWords(types.map((t) => TYPE_WORDS[t] ?? t)) : undefined;
}

/** The values an `enum`, a `const`, or an `anyOf`/`oneOf` of them allows, as written in JSON. */
function allowedValues(schema: Schema): string[] | undefined {
  const show = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));
  if (Array.isArray(schema.enum)) return schema.enum.map(show);
  if ("const" in schema) return [show(schema.const)];
  const branches = schema.anyOf ?? schema.oneOf;
  if (!Array.isArray(branches)) return undefined;
  const values: string[] = [];
  for (const branch of branches as Schema[]) {
    const inner = allowedValues(branch);
    if (inner === undefined) return undefined;
    values.push(...inner);
  }
  return values;
}

function propertyNames(schema: Schema | undefined): string[] {
  const properties = schema?.properties;
  return typeof properties === "object" && properties !== null ? Object.keys(properties) : [];
}

/**
 * The one issue to report. Without `allErrors` ajv stops at the first failing keyword, except that an
 * `anyOf`/`oneOf` first lists each branch's failure and then its own: the last issue is the outermost.
 */
function pick(issues: readonly ValidationIssue[]): ValidationIssue | undefined {
  return issues.at(-1);
}

/**
 * A message a person can act on for the first schema violation of a request: the field, and what it
 * must be. `context` is Fastify's part of the request (`body`, `params`, `querystring`, `headers`).
 */
export function describeValidation(issues: readonly ValidationIssue[], context: string | undefined): string {
  const message = describe(issues, context);
  return message.startsWith("the ") ? `T${message.slice(1)}` : message;
}

function describe(issues: readonly ValidationIssue[], context: string | undefined): string {
  const issue = pick(issues);
  if (issue === undefined) return "The request is not valid";
  const schema = issue.parentSchema;
  const field = fieldName(issue.instancePath);
  const subject = field === "" ? wholeThing(context) : field;
  const must = (words: string) => `${subject} must be ${words}`;
  const limit = Number(issue.params.limit);
  switch (issue.keyword) {
    case "required":
      return `${join(field, String(issue.params.missingProperty))} is required`;
    case "additionalProperties": {
      const unknown = join(field, String(issue.params.additionalProperty));
      const known = propertyNames(schema);
      return known.length === 0
        ? `${unknown} is not a known property; ${subject} takes no properties`
        : `${unknown} is not a known property; ${subject} accepts ${oneOfWords(known)}`;
    }
    case "minProperties":
      return `${subject}: give at least ${limit === 1 ? "one" : limit} of ${oneOfWords(propertyNames(schema))}`;
    case "maxProperties":
      return `${subject}: give at most ${limit === 1 ? "one" : limit} of ${oneOfWords(propertyNames(schema))}`;
    case "minimum":
      return must(`at least ${limit}`);
    case "maximum":
      return must(`at most ${limit}`);
    case "exclusiveMinimum":
      return must(`greater than ${limit}`);
    case "exclusiveMaximum":
      return must(`less than ${limit}`);
    case "multipleOf":
      return must(`a multiple of ${Number(issue.params.multipleOf)}`);
    case "minItems":
      return `${subject} must have at least ${plural(limit, "item")}`;
    case "maxItems":
      return `${subject} must have at most ${plural(limit, "item")}`;
    case "uniqueItems":
      return `${subject} must not list the same item twice`;
    case "minLength":
      if (typeof schema?.[EXPECTED] === "string") return must(schema[EXPECTED]);
      return limit === 1
        ? `${subject} must not be empty`
        : must(`at least ${plural(limit, "character")} long`);
    case "maxLength":
      if (typeof schema?.[EXPECTED] === "string") return must(schema[EXPECTED]);
      return must(`at most ${plural(limit, "character")} long`);
    case "type": {
      // The schema's words ("an absolute URL, e.g. …") say more than the type ("a string").
      const types = String(issue.params.type).split(",");
      return must(expected(schema) ?? oneOfWords(types.map((t) => TYPE_WORDS[t] ?? t)));
    }
    case "format":
    case "pattern":
    case "enum":
    case "const":
    case "anyOf":
    case "oneOf": {
      const words = expected(schema);
      return words === undefined ? `${subject} is not in a form this API accepts` : must(words);
    }
    default:
      return `${subject} is not in a form this API accepts`;
  }
}

function wholeThing(context: string | undefined): string {
  switch (context) {
    case "params":
      return "the path";
    case "querystring":
      return "the query";
    case "headers":
      return "the headers";
    default:
      return "the request body";
  }
}
