// Request validation against a vendor's published OpenAPI 3.0 or Swagger 2.0 document, with Ajv.
// The document is added to Ajv whole, under its own id, so every `$ref` in it resolves as published;
// each operation's parameter and body schemas are compiled on first use and cached.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Where the vendor contracts live: `test/support/contracts` in this repository (see its README), or
 * VENDOR_CONTRACTS_DIR to try the fakes against another copy.
 */
export function contractsDir(): string {
  const dir = process.env.VENDOR_CONTRACTS_DIR ?? path.resolve(__dirname, '../contracts');
  if (!existsSync(path.join(dir, 'specs'))) {
    throw new Error(`vendor contracts not found at ${dir} (expected test/support/contracts/specs)`);
  }
  return dir;
}

type Json = Record<string, unknown>;
type ParamLocation = 'path' | 'query' | 'header' | 'formData' | 'cookie';

export interface ParameterInfo {
  name: string;
  in: ParamLocation;
  required: boolean;
  /** JSON pointer (inside the document) of the parameter's schema, or of the parameter itself in Swagger 2. */
  schemaPointer: string;
  isArray: boolean;
}

export interface OperationInfo {
  operationId: string;
  method: string;
  /** Path template as published, without the document's base path. */
  path: string;
  parameters: ParameterInfo[];
  body?: {
    required: boolean;
    /** content type -> JSON pointer of its schema ('' when the content type has no schema). */
    content: Record<string, string>;
  };
  regex: RegExp;
  pathParamNames: string[];
  literalSegments: number;
}

export interface MatchResult {
  operation: OperationInfo;
  pathParams: Record<string, string>;
}

export interface RequestParts {
  pathParams: Record<string, string>;
  query: Record<string, string | string[]>;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed body; undefined when the request had none. */
  body: unknown;
  contentType?: string;
}

const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
// Swagger 2 keeps a non-body parameter's schema keywords on the parameter itself.
const SWAGGER_PARAM_SCHEMA_KEYS = [
  'type',
  'format',
  'items',
  'enum',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'multipleOf',
];

function escapePointer(part: string): string {
  return part.replace(/~/g, '~0').replace(/\//g, '~1');
}

function unescapePointer(part: string): string {
  return part.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * Makes a published schema acceptable to Ajv without changing what it accepts: OpenAPI 3.0's
 * `nullable` without `type`, Swagger's boolean exclusiveMinimum, non-standard `type` spellings
 * ("Object", "file"), a `required` that is not a list, and regexes that are not valid in unicode mode.
 */
function normalizeSchema(node: unknown, seen = new Set<unknown>()): void {
  if (!node || typeof node !== 'object' || seen.has(node)) return;
  seen.add(node);
  if (Array.isArray(node)) {
    for (const item of node) normalizeSchema(item, seen);
    return;
  }
  const schema = node as Json;
  if (typeof schema.type === 'string' && !JSON_TYPES.has(schema.type)) {
    const lower = schema.type.toLowerCase();
    if (JSON_TYPES.has(lower)) schema.type = lower;
    else delete schema.type;
  }
  if (schema.required !== undefined && !Array.isArray(schema.required)) delete schema.required;
  for (const [bound, limit] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof schema[bound] === 'boolean') {
      if (schema[bound] && typeof schema[limit] === 'number') {
        schema[bound] = schema[limit];
        delete schema[limit];
      } else delete schema[bound];
    }
  }
  if (typeof schema.pattern === 'string') {
    try {
      new RegExp(schema.pattern, 'u');
    } catch {
      delete schema.pattern;
    }
  }
  if (schema.nullable === true && schema.type === undefined) {
    const inner: Json = {};
    for (const key of Object.keys(schema)) {
      if (key !== 'nullable' && key !== 'description') {
        inner[key] = schema[key];
        delete schema[key];
      }
    }
    delete schema.nullable;
    schema.anyOf = [inner, { type: 'null' }];
  }
  for (const key of ['properties', 'patternProperties', 'definitions']) {
    const map = schema[key];
    if (map && typeof map === 'object') for (const value of Object.values(map)) normalizeSchema(value, seen);
  }
  for (const key of ['items', 'additionalProperties', 'not', 'allOf', 'anyOf', 'oneOf', 'schema']) {
    normalizeSchema(schema[key], seen);
  }
}

function formatErrors(prefix: string, errors: ErrorObject[] | null | undefined): string[] {
  const out: string[] = [];
  for (const error of errors ?? []) {
    // OpenAPI: a readOnly property is not required in a request.
    if (error.keyword === 'required') {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      const props = (error.parentSchema as Json | undefined)?.properties as Record<string, Json> | undefined;
      if (props?.[missing]?.readOnly === true) continue;
    }
    let detail = error.message ?? 'is invalid';
    if (error.keyword === 'enum') {
      detail += ': ' + (error.params as { allowedValues: unknown[] }).allowedValues.join(', ');
    } else if (error.keyword === 'additionalProperties') {
      detail += `: '${(error.params as { additionalProperty: string }).additionalProperty}'`;
    }
    const where = error.instancePath ? `${prefix}${error.instancePath.replace(/\//g, '.')}` : prefix;
    out.push(`${where} ${detail}`);
  }
  return [...new Set(out)];
}

export class OpenApiDocument {
  private static readonly cache = new Map<string, OpenApiDocument>();

  /** Loads (once per process) one of the documents in <contracts>/specs. */
  static load(fileName: string): OpenApiDocument {
    let doc = OpenApiDocument.cache.get(fileName);
    if (!doc) {
      const file = path.join(contractsDir(), 'specs', fileName);
      doc = new OpenApiDocument(JSON.parse(readFileSync(file, 'utf8')) as Json, fileName);
      OpenApiDocument.cache.set(fileName, doc);
    }
    return doc;
  }

  readonly isSwagger2: boolean;
  readonly basePath: string;
  readonly operations: OperationInfo[] = [];
  private readonly byId = new Map<string, OperationInfo>();
  private readonly bodyAjv: Ajv;
  private readonly paramAjv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(
    readonly spec: Json,
    readonly id: string,
  ) {
    this.isSwagger2 = spec.swagger === '2.0';
    if (this.isSwagger2) {
      this.basePath = typeof spec.basePath === 'string' ? spec.basePath.replace(/\/$/, '') : '';
    } else {
      const servers = spec.servers as { url: string }[] | undefined;
      this.basePath = servers?.[0] ? new URL(servers[0].url, 'http://x').pathname.replace(/\/$/, '') : '';
    }
    this.normalize();
    this.indexOperations();
    const options = {
      strict: false,
      allErrors: true,
      verbose: true,
      validateSchema: false,
      logger: false,
    } as const;
    this.bodyAjv = new Ajv(options);
    this.paramAjv = new Ajv({ ...options, coerceTypes: 'array' });
    for (const ajv of [this.bodyAjv, this.paramAjv]) {
      addFormats(ajv);
      ajv.addSchema(spec, id);
    }
  }

  operation(operationId: string): OperationInfo {
    const op = this.byId.get(operationId);
    if (!op) throw new Error(`${this.id} has no operation ${operationId}`);
    return op;
  }

  /** Finds the operation for a method and a path (base path already removed). */
  match(method: string, pathname: string): MatchResult | { pathKnown: boolean } {
    let pathKnown = false;
    for (const op of this.operations) {
      const m = op.regex.exec(pathname);
      if (!m) continue;
      pathKnown = true;
      if (op.method !== method.toLowerCase()) continue;
      const pathParams: Record<string, string> = {};
      op.pathParamNames.forEach((name, i) => {
        pathParams[name] = decodeURIComponent(m[i + 1]);
      });
      return { operation: op, pathParams };
    }
    return { pathKnown };
  }

  /** Validates one request against its operation: path, query and header parameters, then the body. */
  validateRequest(op: OperationInfo, req: RequestParts): string[] {
    const errors: string[] = [];
    errors.push(...this.validateParameters(op, 'path', req.pathParams));
    errors.push(...this.validateParameters(op, 'query', req.query));
    const headers: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
    errors.push(...this.validateParameters(op, 'header', headers));
    if (op.parameters.some((p) => p.in === 'formData')) {
      errors.push(...this.validateParameters(op, 'formData', (req.body ?? {}) as Record<string, unknown>));
    }
    if (op.body) errors.push(...this.validateBody(op, req.body, req.contentType));
    return errors;
  }

  /**
   * Validates the parameters of one location. Values may be strings (they are coerced to the declared
   * type, as a server would); array parameters accept repeated keys and comma-separated values.
   */
  validateParameters(
    op: OperationInfo,
    location: ParamLocation,
    values: Record<string, unknown>,
    options: { ignore?: string[] } = {},
  ): string[] {
    const params = op.parameters.filter((p) => p.in === location && !options.ignore?.includes(p.name));
    if (params.length === 0) return [];
    // OpenAPI 3: Accept, Content-Type and Authorization header parameters are ignored.
    const skipped = location === 'header' ? ['accept', 'content-type', 'authorization'] : [];
    const key = `${op.method} ${op.path} ${location} ${options.ignore?.join(',') ?? ''}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      const properties: Record<string, unknown> = {};
      const required: string[] = [];
      for (const p of params) {
        const name = location === 'header' ? p.name.toLowerCase() : p.name;
        if (skipped.includes(name)) continue;
        properties[name] = { $ref: `${this.id}#${p.schemaPointer}` };
        if (p.required) required.push(name);
      }
      validate = this.paramAjv.compile({ type: 'object', properties, required });
      this.compiled.set(key, validate);
    }
    const data: Record<string, unknown> = {};
    for (const p of params) {
      const name = location === 'header' ? p.name.toLowerCase() : p.name;
      let value = values[name];
      if (value === undefined || skipped.includes(name)) continue;
      if (p.isArray) {
        const list = Array.isArray(value) ? value : [value];
        value = list.flatMap((v) => (typeof v === 'string' ? v.split(',').filter((s) => s !== '') : [v]));
      } else if (Array.isArray(value)) value = value[value.length - 1];
      data[name] = value;
    }
    const label = location === 'formData' ? 'argument' : location;
    return validate(data) ? [] : formatErrors(label, validate.errors);
  }

  validateBody(op: OperationInfo, body: unknown, contentType?: string): string[] {
    const spec = op.body;
    if (!spec) return [];
    if (body === undefined || body === '') {
      return spec.required ? ['body is required'] : [];
    }
    const mediaType = (contentType ?? 'application/json').split(';')[0].trim().toLowerCase();
    const types = Object.keys(spec.content);
    const chosen =
      types.find((t) => t === mediaType) ??
      types.find((t) => t.endsWith('/*') && mediaType.startsWith(t.slice(0, -1))) ??
      types.find((t) => t === '*/*');
    if (!chosen) return [`content type ${mediaType} is not accepted (expected ${types.join(' or ')})`];
    const pointer = spec.content[chosen];
    if (!pointer) return [];
    let validate = this.compiled.get(pointer);
    if (!validate) {
      validate = this.bodyAjv.compile({ $ref: `${this.id}#${pointer}` });
      this.compiled.set(pointer, validate);
    }
    return validate(body) ? [] : formatErrors('body', validate.errors);
  }

  private resolve(pointer: string): { node: Json; pointer: string } {
    let node: unknown = this.spec;
    for (const part of pointer.split('/').slice(1)) node = (node as Json)[unescapePointer(part)];
    const ref = (node as Json).$ref;
    if (typeof ref === 'string' && ref.startsWith('#/')) return this.resolve(ref.slice(1));
    return { node: node as Json, pointer };
  }

  private normalize(): void {
    const spec = this.spec;
    normalizeSchema((spec.components as Json | undefined)?.schemas);
    normalizeSchema(spec.definitions);
    // A parameter object is not a schema (its `required` is a boolean): only its schema parts are.
    const params = (list: unknown) => {
      for (const p of Object.values((list as Json | undefined) ?? {})) {
        normalizeSchema((p as Json).schema);
        normalizeSchema((p as Json).items);
      }
    };
    params(spec.parameters);
    params((spec.components as Json | undefined)?.parameters);
    for (const requestBody of Object.values(
      ((spec.components as Json | undefined)?.requestBodies as Json) ?? {},
    )) {
      for (const media of Object.values(((requestBody as Json).content as Json) ?? {}))
        normalizeSchema(media);
    }
    for (const item of Object.values(spec.paths as Json)) {
      for (const [method, op] of Object.entries(item as Json)) {
        if (method === 'parameters') params(op);
        if (!HTTP_METHODS.includes(method)) continue;
        params((op as Json).parameters);
        const requestBody = (op as Json).requestBody as Json | undefined;
        for (const media of Object.values((requestBody?.content as Json) ?? {})) normalizeSchema(media);
      }
    }
  }

  private indexOperations(): void {
    for (const [template, item] of Object.entries(this.spec.paths as Json)) {
      const itemPointer = `/paths/${escapePointer(template)}`;
      const shared = ((item as Json).parameters as Json[] | undefined) ?? [];
      for (const method of HTTP_METHODS) {
        const raw = (item as Json)[method] as Json | undefined;
        if (!raw) continue;
        const opPointer = `${itemPointer}/${method}`;
        const params = new Map<string, ParameterInfo>();
        let body: OperationInfo['body'];
        const declared: [Json, string][] = [
          ...shared.map((_, i) => [shared[i], `${itemPointer}/parameters/${i}`] as [Json, string]),
          ...((raw.parameters as Json[] | undefined) ?? []).map(
            (p, i) => [p, `${opPointer}/parameters/${i}`] as [Json, string],
          ),
        ];
        for (const [, declaredAt] of declared) {
          const { node: p, pointer } = this.resolve(declaredAt);
          const location = p.in as ParamLocation | 'body';
          if (location === 'body') {
            const consumes = (raw.consumes ?? this.spec.consumes ?? ['application/json']) as string[];
            body = {
              required: p.required === true,
              content: Object.fromEntries(consumes.map((c) => [c, `${pointer}/schema`])),
            };
            continue;
          }
          let schemaPointer: string;
          let schema: Json;
          if (this.isSwagger2) {
            // Give Ajv only the schema keywords of a Swagger 2 parameter.
            schema = Object.fromEntries(
              Object.entries(p).filter(([k]) => SWAGGER_PARAM_SCHEMA_KEYS.includes(k)),
            ) as Json;
            normalizeSchema(schema);
            p['x-fake-schema'] = schema;
            schemaPointer = `${pointer}/x-fake-schema`;
          } else {
            schema = (p.schema as Json | undefined) ?? {};
            if (!p.schema) p.schema = schema;
            schemaPointer = `${pointer}/schema`;
          }
          const resolvedSchema =
            typeof schema.$ref === 'string' ? this.resolve(schema.$ref.slice(1)).node : schema;
          params.set(`${location}:${p.name as string}`, {
            name: p.name as string,
            in: location,
            required: p.required === true || location === 'path',
            schemaPointer,
            isArray: resolvedSchema.type === 'array',
          });
        }
        if (raw.requestBody) {
          const { node: rb, pointer } = this.resolve(`${opPointer}/requestBody`);
          const content: Record<string, string> = {};
          for (const [type, media] of Object.entries((rb.content as Json | undefined) ?? {})) {
            const contentPointer = `${pointer}/content/${escapePointer(type)}`;
            content[type] = (media as Json).schema ? `${contentPointer}/schema` : '';
          }
          body = { required: rb.required === true, content };
        }
        const segments = template.split('/').filter(Boolean);
        const pathParamNames: string[] = [];
        const pattern = segments
          .map((segment) =>
            segment.replace(/\{([^}]+)\}|[^{}]+/g, (part, name?: string) => {
              if (name) {
                pathParamNames.push(name);
                return '([^/]+)';
              }
              return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
            }),
          )
          .join('/');
        const op: OperationInfo = {
          operationId: (raw.operationId as string | undefined) ?? `${method} ${template}`,
          method,
          path: template,
          parameters: [...params.values()],
          body,
          regex: new RegExp(`^/${pattern}/?$`),
          pathParamNames,
          literalSegments: segments.filter((s) => !s.includes('{')).length,
        };
        this.operations.push(op);
        this.byId.set(op.operationId, op);
      }
    }
    // Literal paths win over templated ones: /incidents/unresolved before /incidents/{incident_id}.
    this.operations.sort((a, b) => b.literalSegments - a.literalSegments);
  }
}
