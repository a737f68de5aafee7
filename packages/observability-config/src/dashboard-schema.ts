// The foundation SDK's dashboard JSON schema. Its npm package ships the TypeScript types but not the
// jsonschema/ folder of its repository, so the schema is derived from those very types
// (dashboard/types.gen.d.ts, type `Dashboard`) with ts-json-schema-generator, then compiled by ajv.
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv } from 'ajv';
import { createGenerator } from 'ts-json-schema-generator';

const require = createRequire(import.meta.url);

export function dashboardTypesFile(): string {
  const entry = require.resolve('@grafana/grafana-foundation-sdk/dashboard');
  return path.join(path.dirname(entry), 'types.gen.d.ts');
}

type Schema = { definitions?: Record<string, unknown> } & Record<string, unknown>;

function schemaOf(typesFile: string, type: string): Schema {
  return createGenerator({
    path: typesFile,
    type,
    skipTypeCheck: true,
    expose: 'export',
    topRef: true,
    additionalProperties: false,
  }).createSchema(type) as Schema;
}

/**
 * The dashboard schema. The SDK types a panel's query as an opaque variant (`Dataquery`, a marker
 * method that JSON drops) because each datasource package defines its own: here it becomes any object
 * with a `refId`, and dataqueryValidator checks the queries against their datasource's own type.
 */
export function dashboardJsonSchema(): Schema {
  const schema = schemaOf(dashboardTypesFile(), 'Dashboard');
  if (schema.definitions) {
    schema.definitions.Dataquery = {
      type: 'object',
      required: ['refId'],
      properties: { refId: { type: 'string' } },
    };
  }
  return schema;
}

/** The query type of a datasource package of the SDK (`prometheus`, `loki`, `tempo`): its `Dataquery`. */
export function dataquerySchema(datasource: 'prometheus' | 'loki' | 'tempo'): Schema {
  const entry = require.resolve(`@grafana/grafana-foundation-sdk/${datasource}`);
  // The Loki package spells its query type in lower case.
  const schema = schemaOf(
    path.join(path.dirname(entry), 'types.gen.d.ts'),
    datasource === 'loki' ? 'dataquery' : 'Dataquery',
  );
  // The variant marker is a method: not part of the JSON.
  for (const definition of Object.values(schema.definitions ?? {})) {
    const properties = (definition as { properties?: Record<string, unknown> }).properties;
    if (properties) delete properties._implementsDataqueryVariant;
    const required = (definition as { required?: string[] }).required;
    if (required)
      (definition as { required?: string[] }).required = required.filter(
        (r) => r !== '_implementsDataqueryVariant',
      );
  }
  return schema;
}

export type DashboardValidator = (json: unknown) => string[];

function compile(schema: object): DashboardValidator {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  return (json) =>
    validate(json)
      ? []
      : (validate.errors ?? []).map(
          (e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'} ${JSON.stringify(e.params)}`,
        );
}

/** Compiles the schema once; the returned function lists every violation as `path: message`. */
export function dashboardValidator(): DashboardValidator {
  return compile(dashboardJsonSchema());
}

/** Validates one query object against its datasource's query type. */
export function dataqueryValidator(datasource: 'prometheus' | 'loki' | 'tempo'): DashboardValidator {
  return compile(dataquerySchema(datasource));
}
