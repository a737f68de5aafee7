// The schema-owning services' PostgreSQL in a cluster (grafana/environments.yaml, kubernetes.database).
// `managed`: a database outside the cluster, its URL in a Secret, reached in a CIDR. `cloudnative-pg`:
// a CloudNativePG Cluster in the namespace, created like compose's `postgres` (database, owner, major
// version, memory), with an instance per node (required anti-affinity), WALs and base backups to
// object storage through the Barman Cloud plugin, and a NetworkPolicy that lets in exactly the
// services, the operator and the other instances. Validated against the upstream CRDs in
// test/k8s/crds/ (test/k8s/database.test.ts).
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { CatalogueService, DatabaseFacts } from '../services.ts';
import type { DeployedEnvironment, Settings } from '../settings.ts';

const CLUSTER_LABEL = 'cnpg.io/cluster';
const BARMAN_CLOUD_PLUGIN = 'barman-cloud.cloudnative-pg.io';
/** The instance manager's status port, which the operator and the other instances ask. */
const INSTANCE_STATUS_PORT = 8000;

type Model = { toJSON(): unknown };
const plain = (object: Record<string, unknown>): Model => ({ toJSON: () => object });

/** The Secret key the services' DATABASE_URL is read from. */
export function databaseSecret(settings: Settings): { name: string; key: string } {
  const { database } = settings.kubernetes;
  return database.provider === 'managed'
    ? { name: database.managed.secret, key: database.managed.key }
    : { name: `${database.cloudnativePg.cluster}-app`, key: 'uri' };
}

/** The egress rule that lets a service (or its migration) reach the database. */
export function databaseEgress(settings: Settings) {
  const { database } = settings.kubernetes;
  return {
    to: [
      database.provider === 'managed'
        ? { ipBlock: { cidr: database.managed.cidr } }
        : { podSelector: { matchLabels: { [CLUSTER_LABEL]: database.cloudnativePg.cluster } } },
    ],
    ports: [{ port: database.port, protocol: 'TCP' as const }],
  };
}

/** CloudNativePG's operand image of the Postgres compose runs: postgres:17.12-trixie → …:17.12-standard-trixie. */
export function cloudnativePgImage(composeImage: string): string {
  const match = /^(?:docker\.io\/)?(?:library\/)?postgres:(\d+(?:\.\d+)?)-([a-z]+)$/.exec(composeImage);
  if (!match) {
    throw new Error(
      `images.env POSTGRES_IMAGE "${composeImage}" is not postgres:<version>-<debian release>; ` +
        'the CloudNativePG image is derived from it',
    );
  }
  return `ghcr.io/cloudnative-pg/postgresql:${match[1]}-standard-${match[2]}`;
}

/** The environment's database objects: none for a managed database. */
export function databaseObjects(
  env: DeployedEnvironment,
  settings: Settings,
  catalogue: CatalogueService[],
  facts: DatabaseFacts,
): Model[] {
  const { database } = settings.kubernetes;
  if (database.provider === 'managed') return [];
  const sizing = settings.environments[env].workloads?.database;
  if (!sizing) {
    throw new Error(
      `${env}: kubernetes.database.provider is cloudnative-pg — declare workloads.database ` +
        '(instances, storage, backupRetention) in grafana/environments.yaml',
    );
  }
  const { cluster, backups, operator } = database.cloudnativePg;
  const labels = { 'app.kubernetes.io/name': cluster, 'app.kubernetes.io/component': 'database' };
  const objectStore = `${cluster}-backups`;
  const instances = { podSelector: { matchLabels: { [CLUSTER_LABEL]: cluster } } };
  const ports = (...numbers: number[]) => numbers.map((port) => ({ port, protocol: 'TCP' as const }));
  const clients = catalogue.filter((service) => 'postgres' in service.calls);
  const objectStorePort = backups.endpointURL
    ? Number(new URL(backups.endpointURL).port || (backups.endpointURL.startsWith('https:') ? 443 : 80))
    : 443;
  return [
    plain({
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      metadata: { name: cluster, labels },
      spec: {
        instances: sizing.instances,
        imageName: cloudnativePgImage(facts.image),
        bootstrap: { initdb: { database: facts.database, owner: facts.owner } },
        storage: { size: sizing.storage },
        resources: {
          requests: { memory: facts.memoryRequest },
          limits: { memory: facts.memoryLimit },
        },
        // One instance per node: a node loss takes at most one, and a replica is promoted.
        affinity: {
          enablePodAntiAffinity: true,
          topologyKey: 'kubernetes.io/hostname',
          podAntiAffinityType: 'required',
        },
        plugins: [
          { name: BARMAN_CLOUD_PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: objectStore } },
        ],
      },
    }),
    plain({
      apiVersion: 'barmancloud.cnpg.io/v1',
      kind: 'ObjectStore',
      metadata: { name: objectStore, labels },
      spec: {
        retentionPolicy: sizing.backupRetention,
        configuration: {
          // A folder per environment: staging's and production's clusters share a name.
          destinationPath: `${backups.destinationPath}${env}/`,
          ...(backups.endpointURL ? { endpointURL: backups.endpointURL } : {}),
          s3Credentials: {
            accessKeyId: { name: backups.credentialsSecret, key: 'ACCESS_KEY_ID' },
            secretAccessKey: { name: backups.credentialsSecret, key: 'ACCESS_SECRET_KEY' },
          },
          wal: { compression: 'gzip' },
          data: { compression: 'gzip' },
        },
      },
    }),
    plain({
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'ScheduledBackup',
      metadata: { name: `${cluster}-daily`, labels },
      spec: {
        schedule: backups.schedule,
        cluster: { name: cluster },
        method: 'plugin',
        pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
        backupOwnerReference: 'self',
        immediate: true,
      },
    }),
    new NetworkPolicy({
      metadata: { name: cluster, labels },
      spec: {
        podSelector: instances.podSelector,
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          {
            from: clients.map((s) => ({
              podSelector: { matchLabels: { 'app.kubernetes.io/name': s.name } },
            })),
            ports: ports(database.port),
          },
          {
            from: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': operator.namespace } },
                podSelector: { matchLabels: operator.podLabels },
              },
            ],
            ports: ports(INSTANCE_STATUS_PORT, database.port),
          },
          { from: [instances], ports: ports(INSTANCE_STATUS_PORT, database.port) },
        ],
        egress: [
          { to: [instances], ports: ports(INSTANCE_STATUS_PORT, database.port) },
          // The API server (the instance manager reports to it) and the object store: their addresses
          // are the cluster's and the provider's, so only the ports are pinned.
          { ports: ports(...new Set([443, 6443, objectStorePort])) },
        ],
      },
    }),
  ];
}
