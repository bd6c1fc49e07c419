// How an instance's operations are shown at /instances/{id}/operations[/{op}]: what was asked,
// how it went, and each step's start, end and outcome, with the reason code of a failure. Times
// are ISO 8601 in UTC with milliseconds (not Trove's seconds): a step's duration is often less.

import type { Operation, OperationStep } from '../db/schema.js';
import { resourceLinks, type Link } from '../api/links.js';

export interface ErrorView {
  code: string;
  message: string | null;
}

export interface StepView {
  name: string;
  status: string;
  started: string | null;
  ended: string | null;
  error?: ErrorView;
  /** What the step found worth keeping (a failover's choice and lag at promotion). */
  detail?: unknown;
}

export interface OperationView {
  id: string;
  instance_id: string;
  kind: string;
  status: string;
  started: string | null;
  updated: string | null;
  error?: ErrorView;
  steps: StepView[];
  links: Link[];
}

/** `base` and `tenant` as for instance views: the links are under the instance's. */
export function operationView(
  operation: Operation,
  steps: readonly OperationStep[],
  base: string,
  tenant: string,
): OperationView {
  const view: OperationView = {
    id: operation.id,
    instance_id: operation.instance_id,
    kind: operation.kind,
    status: operation.status,
    started: operation.created_at,
    updated: operation.updated_at,
    steps: steps.map(stepView),
    links: resourceLinks(
      base,
      tenant,
      `instances/${operation.instance_id}/operations`,
      operation.id,
    ),
  };
  if (operation.error_code)
    view.error = { code: operation.error_code, message: operation.error_message };
  return view;
}

function stepView(step: OperationStep): StepView {
  const view: StepView = {
    name: step.name,
    status: step.status,
    started: step.started_at,
    ended: step.ended_at,
  };
  if (step.error_code) view.error = { code: step.error_code, message: step.error_message };
  if (step.detail) view.detail = JSON.parse(step.detail) as unknown;
  return view;
}
