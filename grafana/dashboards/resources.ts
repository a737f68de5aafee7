// Resources: CPU, memory and disk per container (cAdvisor-style container_* series), per host
// filesystem (node-exporter) and per Node process.
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { kitDashboard, logsLink, promQuery, timeSeries } from '@telemetry-kit/observability-config/panels';

// Alloy labels container logs with the container name, as cAdvisor labels its series with `name`.
const containerLogs = logsLink('', 'name', 'container');

const container = 'name!=""';
const realFilesystems = 'fstype!~"tmpfs|overlay|squashfs"';

export default kitDashboard('kit-resources', 'Resources', 'grafana/dashboards/resources.ts')
  .withRow(new RowBuilder('Containers'))
  .withPanel(
    timeSeries('CPU per container (cores)', 'short', [
      promQuery(
        `sum by (name) (rate(container_cpu_usage_seconds_total{${container}}[$__rate_interval]))`,
        '{{name}}',
      ),
    ]),
  )
  .withPanel(
    timeSeries('Memory working set per container', 'bytes', [
      promQuery(`sum by (name) (container_memory_working_set_bytes{${container}})`, '{{name}}'),
    ]).dataLinks([containerLogs]),
  )
  .withPanel(
    timeSeries('Filesystem usage per container', 'bytes', [
      promQuery(`sum by (name) (container_fs_usage_bytes{${container}})`, '{{name}}'),
    ]).dataLinks([containerLogs]),
  )
  .withPanel(
    timeSeries('Host filesystem free', 'percentunit', [
      promQuery(
        `node_filesystem_avail_bytes{${realFilesystems}} / node_filesystem_size_bytes{${realFilesystems}}`,
        '{{instance}} {{mountpoint}}',
      ),
    ]),
  )
  .withRow(new RowBuilder('Node processes'))
  .withPanel(
    timeSeries('Process CPU utilization', 'percentunit', [
      promQuery('max by (job) (process_cpu_utilization)', '{{job}}'),
    ]),
  )
  .withPanel(
    timeSeries('Process memory (RSS)', 'bytes', [
      promQuery('sum by (job) (process_memory_usage_bytes)', '{{job}}'),
    ]),
  );
