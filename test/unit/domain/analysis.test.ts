import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ANALYSIS_QUERIES,
  formatValue,
  judgeAnalysis,
  measure,
  renderQuery,
  type AnalysisQuery,
  type AnalysisSpec,
  type Measurement,
} from '../../../src/domain/analysis.js';

const errors: AnalysisQuery = { name: 'errors', query: 'q1', threshold: 0.01, op: '>' };
const throughput: AnalysisQuery = { name: 'rps', query: 'q2', threshold: 1, op: '<' };
const at = new Date('2026-12-01T10:00:00Z');

function spec(overrides: Partial<AnalysisSpec> = {}): AnalysisSpec {
  return {
    queries: [errors],
    interval: 1000,
    count: 3,
    failureLimit: 1,
    consecutiveErrorLimit: 2,
    ...overrides,
  };
}

const ok = (query = 'errors'): Measurement => ({
  query,
  phase: 'successful',
  value: 0,
  at: at.toISOString(),
});
const bad = (query = 'errors'): Measurement => ({ query, phase: 'failed', value: 1, at: at.toISOString() });
const none = (query = 'errors'): Measurement => ({
  query,
  phase: 'inconclusive',
  detail: 'no data',
  at: at.toISOString(),
});

describe('measure', () => {
  it('fails a value over a ">" threshold and passes one under it', () => {
    expect(measure(errors, { kind: 'samples', values: [0.02] }, at)).toMatchObject({
      phase: 'failed',
      value: 0.02,
    });
    expect(measure(errors, { kind: 'samples', values: [0.005] }, at)).toMatchObject({ phase: 'successful' });
    // The threshold itself is not a breach: "> 0.01" fails only above it.
    expect(measure(errors, { kind: 'samples', values: [0.01] }, at).phase).toBe('successful');
  });

  it('fails a value under a "<" threshold', () => {
    expect(measure(throughput, { kind: 'samples', values: [0.5] }, at).phase).toBe('failed');
    expect(measure(throughput, { kind: 'samples', values: [3] }, at).phase).toBe('successful');
  });

  it('judges a vector by its worst sample', () => {
    expect(measure(errors, { kind: 'samples', values: [0, 0.5, 0.001] }, at)).toMatchObject({
      phase: 'failed',
      value: 0.5,
    });
    expect(measure(throughput, { kind: 'samples', values: [5, 0.2] }, at)).toMatchObject({ value: 0.2 });
  });

  it('counts no data, NaN only and errors as inconclusive, never as a pass', () => {
    expect(measure(errors, { kind: 'noData' }, at)).toMatchObject({
      phase: 'inconclusive',
      detail: 'no data',
    });
    expect(measure(errors, { kind: 'samples', values: [Number.NaN] }, at).phase).toBe('inconclusive');
    expect(measure(errors, { kind: 'error', message: 'connection refused' }, at)).toMatchObject({
      phase: 'inconclusive',
      detail: 'connection refused',
    });
  });
});

describe('judgeAnalysis (Argo Rollouts semantics)', () => {
  it('runs until every query has count measurements, then succeeds', () => {
    expect(judgeAnalysis(spec(), [ok(), ok()]).phase).toBe('running');
    expect(judgeAnalysis(spec(), [ok(), ok(), ok()]).phase).toBe('successful');
  });

  it('tolerates failures up to failureLimit and fails when they exceed it', () => {
    expect(judgeAnalysis(spec(), [bad(), ok(), ok()]).phase).toBe('successful');
    const verdict = judgeAnalysis(spec(), [bad(), bad()]);
    expect(verdict.phase).toBe('failed');
    expect(verdict.reason).toContain('"errors"');
    expect(verdict.reason).toContain('limit 1');
  });

  it('fails at once with failureLimit 0', () => {
    expect(judgeAnalysis(spec({ failureLimit: 0 }), [bad()]).phase).toBe('failed');
  });

  it('measures again after no data, and fails closed once a query has none more than consecutiveErrorLimit times in a row', () => {
    expect(judgeAnalysis(spec(), [none(), none()]).phase).toBe('running');
    const verdict = judgeAnalysis(spec(), [none(), none(), none()]);
    expect(verdict.phase).toBe('failed');
    expect(verdict.reason).toBe('Analysis "errors" failed: no reading 3 times in a row, limit 2 (no data).');
    expect(judgeAnalysis(spec({ consecutiveErrorLimit: 0 }), [none()]).phase).toBe('failed');
  });

  it('a reading in between ends the streak; inconclusive readings never count towards count', () => {
    expect(judgeAnalysis(spec(), [none(), none(), ok(), none(), none()]).phase).toBe('running');
    expect(judgeAnalysis(spec(), [ok(), none(), ok(), none(), none()]).phase).toBe('running');
    expect(judgeAnalysis(spec(), [ok(), none(), ok(), none(), ok()]).phase).toBe('successful');
    // Errors are not failures: failureLimit counts only readings that breached the threshold.
    expect(judgeAnalysis(spec({ failureLimit: 0 }), [none(), ok(), none(), ok(), ok()]).phase).toBe(
      'successful',
    );
  });

  it('waits for every query, and one failing query fails the analysis', () => {
    const both = spec({ queries: [errors, throughput], count: 1, failureLimit: 0 });
    expect(judgeAnalysis(both, [ok('errors')]).phase).toBe('running');
    expect(judgeAnalysis(both, [ok('errors'), ok('rps')]).phase).toBe('successful');
    expect(judgeAnalysis(both, [ok('errors'), bad('rps')]).reason).toContain('"rps"');
  });
});

describe('queries', () => {
  it('puts the service and env into a query', () => {
    expect(renderQuery('up{service="$service",env="$env"}', { service: 'api', env: 'prod' })).toBe(
      'up{service="api",env="prod"}',
    );
  });

  it('defaults to 5xx ratio > 1 % and p95 > 2 s over 5 minutes', () => {
    expect(DEFAULT_ANALYSIS_QUERIES.map((q) => [q.name, q.op, q.threshold])).toEqual([
      ['error-rate', '>', 0.01],
      ['p95-latency', '>', 2],
    ]);
    expect(DEFAULT_ANALYSIS_QUERIES.every((q) => q.query.includes('[5m]'))).toBe(true);
  });

  it('formats values for people', () => {
    expect(formatValue(0.012345)).toBe('0.0123');
    expect(formatValue(2.5)).toBe('2.5');
    expect(formatValue(Number.POSITIVE_INFINITY)).toBe('Infinity');
  });
});
