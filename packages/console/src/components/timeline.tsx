// An instance's operation timeline: each operation (create, restart, delete…) newest first, its
// steps with how long each took, and the reason of any failure, updated as it happens.

import { useEffect, useState } from 'react';
import { StatusBadge } from './query-state';
import type { Operation, Step, StepError } from '../types';

/** How long from `start` to `end` (or to now, while running), for a person to read. */
export function duration(start: string | null, end: string | null): string {
  if (start === null) return 'not started';
  const ms = (end === null ? Date.now() : Date.parse(end)) - Date.parse(start);
  if (!Number.isFinite(ms) || ms < 0) return '';
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 120) return `${Math.round(s)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

const reason = (error: StepError | undefined) =>
  error && (
    <p className="error">
      <strong>{error.code}</strong>
      {error.message ? `: ${error.message}` : ''}
    </p>
  );

function StepRow({ step }: { readonly step: Step }) {
  const running = step.status === 'running';
  return (
    <li className={`step ${step.status}`}>
      <span className="step-name">{step.name.replaceAll('_', ' ')}</span>
      <StatusBadge status={step.status} />
      <span className="step-time">
        {step.status === 'pending' || step.status === 'skipped'
          ? ''
          : duration(step.started, running ? null : step.ended)}
      </span>
      {reason(step.error)}
    </li>
  );
}

export function Timeline({ operations }: { readonly operations: readonly Operation[] }) {
  // While something runs, its duration grows each second: the stream sends only changes.
  const running = operations.some((o) => o.status === 'running' || o.status === 'pending');
  const [, tick] = useState(0);
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [running]);
  if (operations.length === 0) return <p>No operations yet.</p>;
  return (
    <ol className="timeline" aria-label="Operations, newest first">
      {operations.map((o) => (
        <li key={o.id} className="operation">
          <h3>
            {o.kind} <StatusBadge status={o.status} />{' '}
            <span className="muted">
              {o.started ? new Date(o.started).toLocaleString() : ''} ·{' '}
              {duration(
                o.started,
                o.status === 'running' || o.status === 'pending' ? null : o.updated,
              )}
            </span>
          </h3>
          {reason(o.error)}
          <ol className="steps">
            {o.steps.map((s) => (
              <StepRow key={s.name} step={s} />
            ))}
          </ol>
        </li>
      ))}
    </ol>
  );
}
