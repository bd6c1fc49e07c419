// The instance's metrics plotted with uPlot (loaded only with this page, not on the first
// load): one small chart per series of GET /instances/{id}/metrics, the last hour.

import { useEffect, useRef } from 'react';
import { useQuery } from '@tanstack/react-query';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { ApiError, errorText } from '../api';
import { usePolling } from '../live';
import { useProjectApi } from '../queries';
import type { MetricSeries } from '../types';

const now = (): number => Math.floor(Date.now() / 1000);

/** Bytes are plotted in MiB: axis labels of nine digits do not fit a phone's width. */
const scaleOf = (unit: string) =>
  unit === 'bytes' ? { divide: 1024 * 1024, unit: 'MiB' } : { divide: 1, unit };

function Chart({ series }: { readonly series: MetricSeries }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const data: uPlot.AlignedData = [
      series.points.map((p) => p[0]),
      series.points.map((p) => p[1] / scaleOf(series.unit).divide),
    ];
    const plot = new uPlot(
      {
        width: Math.min(element.clientWidth || 320, 640),
        height: 160,
        legend: { show: false },
        // The last hour, whatever the points span: one point must not stretch the axis to years.
        scales: {
          x: { time: true, range: (_u, _min, max) => [Math.min(max, now()) - 3600, now()] },
        },
        series: [{}, { label: series.name, stroke: '#2563eb', width: 2 }],
      },
      data,
      element,
    );
    return () => plot.destroy();
  }, [series]);
  const scale = scaleOf(series.unit);
  const raw = series.points.at(-1)?.[1];
  const last = raw === undefined ? undefined : Math.round((raw / scale.divide) * 100) / 100;
  return (
    <figure className="metric">
      <figcaption>
        {series.name.replaceAll('_', ' ')} ({scale.unit}){last === undefined ? '' : `: now ${last}`}
      </figcaption>
      <div
        ref={box}
        role="img"
        aria-label={`Plot of ${series.name} over the last hour, ${series.points.length} points`}
      />
    </figure>
  );
}

export default function MetricsPlot({ id }: { readonly id: string }) {
  const api = useProjectApi();
  const query = useQuery({
    queryKey: ['metrics', id],
    queryFn: async () =>
      (
        await api<{ metrics: { series: MetricSeries[] } }>(
          'GET',
          `/instances/${id}/metrics?minutes=60`,
        )
      ).metrics.series,
    refetchInterval: usePolling(60_000) || 60_000,
    retry: false,
  });
  if (query.isPending) return <p role="status">Loading metrics…</p>;
  if (query.isError)
    return (
      <p className="muted">
        {query.error instanceof ApiError && query.error.status === 404
          ? 'Metrics are not available from this Cellar.'
          : errorText(query.error)}
      </p>
    );
  const shown = query.data.filter((s) => s.points.length > 0);
  if (shown.length === 0) return <p className="muted">No metrics reported yet.</p>;
  return (
    <div className="metrics">
      {shown.map((s) => (
        <Chart key={s.name} series={s} />
      ))}
    </div>
  );
}
