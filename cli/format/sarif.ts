// SARIF 2.1.0 output (one run), for code-scanning services and SARIF viewers.
//  - Files inside the root are relative URIs against the uriBaseId SRCROOT,
//    whose absolute file: URI is given in run.originalUriBaseIds; files
//    outside the root are absolute file: URIs.
//  - Each related location (call chain hop) is a relatedLocation, and a
//    finding with related locations also has one codeFlow whose thread flow
//    walks the hops, outermost first, and ends at the finding itself, so that
//    viewers can step through the call chain.
//  - Columns are 1-based UTF-16 code units, as the engine counts them
//    (run.columnKind). The engine's endColumn is taken as exclusive, which is
//    what SARIF's region.endColumn means.
//  - Input problems become tool execution notifications of the invocation.
//  - A place named in a message is an embedded link to the related location
//    at that place ("[line 905](2)"); literal brackets are escaped. Impact
//    (hazard/contract/allowed and the architectures) and latency are result
//    properties; the level is the engine's severity (hint -> note).
//  - A change review (check --base/--since, review) gives each result its
//    baselineState (new, absent: fixed by the change, its place the base's,
//    unchanged) and the run properties.baselineCommit.
import { createHash } from 'crypto';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type * as Sarif from 'sarif';
import { CheckResult } from '../../engine/check';
import { Finding, RULES, RuleId, Severity } from '../../engine/findings';
import { renderMessage } from '../../engine/message';
import { FormatOptions, displayPath } from './common';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const SRCROOT = 'SRCROOT';

const RULE_DESCRIPTIONS: Record<RuleId, string> = {
  'lazy-mmu/read-after-write':
    'A page table entry written in a lazy MMU section is read back (possibly through a call) before the batched updates are flushed.',
  'lazy-mmu/nested-section': 'A lazy MMU section is entered while another one is already active.',
  'lazy-mmu/unbalanced-section': 'A lazy MMU section is entered without being left (or left without being entered) on some path.',
  'lazy-mmu/pause-misuse': 'Pausing or resuming lazy MMU mode is unbalanced or happens outside a section.',
  'lazy-mmu/alloc-in-section': 'Memory is allocated inside a lazy MMU section.',
  'lazy-mmu/sleep-in-section': 'A call that may sleep is made inside a lazy MMU section.',
  'lazy-mmu/kernel-access-before-flush':
    'The kernel accesses memory through a mapping changed in a lazy MMU section before the changes are flushed.',
  'lazy-mmu/break-before-make':
    'A break-before-make sequence relies on the break being visible before the make, but both are batched in a lazy MMU section.',
};

const LEVEL: Record<Severity, Sarif.Result.level> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
  hint: 'note',
};

/** SARIF message text: brackets are link syntax there, so literal ones are escaped. */
const escapeText = (t: string) => t.replace(/[[\]]/g, (m) => '\\' + m);

/** The message with places as links to the related location there (by id), else "line N". */
function sarifMessage(f: Finding): string {
  return renderMessage(f.message, {
    text: escapeText,
    code: (c) => escapeText(`\`${c}\``),
    place: (p) => {
      const i = f.related.findIndex((r) => r.file === p.file && r.line === p.line && r.column === p.column);
      const words = p.file === f.file ? `line ${p.line}` : `${p.file.split(/[\\/]/).pop()}:${p.line}`;
      return i >= 0 ? `[${words}](${i})` : words;
    },
  });
}

/** The file: URI of a directory, ending with '/' as uriBaseIds require. */
function dirUri(dir: string): string {
  const href = pathToFileURL(path.resolve(dir)).href;
  return href.endsWith('/') ? href : href + '/';
}

/** Percent-encodes one path segment, keeping the characters RFC 3986 allows in segments (except ':'). */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/%(24|26|2B|2C|3B|3D|40)/gi, (m) => decodeURIComponent(m));
}

function artifactLocation(file: string, root: string): Sarif.ArtifactLocation {
  const shown = displayPath(file, root);
  if (shown.inside) {
    return { uri: shown.path.split('/').map(encodeSegment).join('/'), uriBaseId: SRCROOT };
  }
  return { uri: pathToFileURL(shown.path).href };
}

function region(line: number, column: number, endLine?: number, endColumn?: number): Sarif.Region {
  const r: Sarif.Region = { startLine: Math.max(1, line), startColumn: Math.max(1, column) };
  // An end before the start would make an invalid region: leave it out then.
  if (endLine !== undefined && endColumn !== undefined) {
    if (endLine > r.startLine! || (endLine === r.startLine && endColumn >= r.startColumn!)) {
      r.endLine = endLine;
      r.endColumn = Math.max(1, endColumn);
    }
  }
  return r;
}

/** Line-independent fingerprint, so that results survive edits above them. */
function fingerprint(f: Finding, root: string): string {
  // Places are left out: a finding keeps its fingerprint when lines move.
  const key = [f.rule, displayPath(f.file, root).path, f.function, renderMessage(f.message, { place: () => '' })].join('\0');
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}

function toResult(f: Finding, root: string, state?: Sarif.Result.baselineState): Sarif.Result {
  const primary: Sarif.Location = {
    physicalLocation: {
      artifactLocation: artifactLocation(f.file, root),
      region: region(f.line, f.column, f.endLine, f.endColumn),
    },
    logicalLocations: [{ name: f.function, kind: 'function' }],
  };
  const result: Sarif.Result = {
    ruleId: f.rule,
    ruleIndex: RULES.indexOf(f.rule),
    level: LEVEL[f.severity],
    message: { text: sarifMessage(f) },
    locations: [primary],
    partialFingerprints: { 'lazymmu/v1': fingerprint(f, root) },
    // A change review: new in the change, absent (fixed by it; its lines are the base's), or unchanged.
    ...(state ? { baselineState: state } : {}),
    properties: {
      function: f.function,
      conditions: [...f.conditions],
      impact: f.impact.kind,
      architectures: [...f.impact.architectures],
      ...(f.requires ? { requires: f.requires.map((r) => ({ ...r })) } : {}),
      ...(f.latent ? { latent: { ...f.latent } } : {}),
      ...(f.notDecided ? { notDecided: f.notDecided } : {}),
    },
  };
  if (f.related.length > 0) {
    const hops: Sarif.Location[] = f.related.map((r, i) => ({
      id: i,
      physicalLocation: {
        artifactLocation: artifactLocation(r.file, root),
        region: region(r.line, r.column),
      },
      message: { text: r.message },
    }));
    result.relatedLocations = hops;
    const steps: Sarif.ThreadFlowLocation[] = hops.map((h) => ({
      location: { physicalLocation: h.physicalLocation, message: h.message },
    }));
    steps.push({ location: { physicalLocation: primary.physicalLocation, message: { text: renderMessage(f.message) } } });
    result.codeFlows = [{ threadFlows: [{ locations: steps }] }];
  }
  return result;
}

export function toSarifLog(result: CheckResult, opts: FormatOptions): Sarif.Log {
  const root = path.resolve(opts.root);
  const rules: Sarif.ReportingDescriptor[] = RULES.map((id) => ({
    id,
    shortDescription: { text: RULE_DESCRIPTIONS[id] },
  }));
  const invocation: Sarif.Invocation = { executionSuccessful: true };
  if (result.problems.length > 0) {
    invocation.toolExecutionNotifications = result.problems.map((p) => ({
      level: 'error',
      message: { text: p.message },
      locations: [{ physicalLocation: { artifactLocation: artifactLocation(p.file, root) } }],
    }));
  }
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'lazymmu', version: opts.toolVersion, rules } },
        originalUriBaseIds: { [SRCROOT]: { uri: dirUri(root) } },
        columnKind: 'utf16CodeUnits',
        invocations: [invocation],
        results: result.findings.map((f, i) => toResult(f, root, opts.baseline?.states[i])),
        // Which configuration decided; calls through pointers inside sections no rule could follow (their target was not known).
        ...(result.configuration || result.unfollowedIndirectCalls || opts.baseline
          ? {
              properties: {
                ...(opts.baseline ? { baselineCommit: opts.baseline.commit } : {}),
                ...(result.configuration ? { configuration: { ...result.configuration } } : {}),
                ...(result.unfollowedIndirectCalls ? { unfollowedIndirectCalls: result.unfollowedIndirectCalls } : {}),
              },
            }
          : {}),
      },
    ],
  };
}

export function formatSarif(result: CheckResult, opts: FormatOptions): string {
  return JSON.stringify(toSarifLog(result, opts), null, 2) + '\n';
}
