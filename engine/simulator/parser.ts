/**
 * Parser of `.lzmmu` scenario files (see docs/scenario-language.md):
 * recursive descent over scenarioLexer.ts's tokens, then scenarioCheck.ts's
 * semantic checks. Never throws: every problem is a Diagnostic with line,
 * column and what was expected. ~540 lines because the grammar's productions
 * (declarations, programs, interrupts, conditions, descriptors) share one
 * token cursor and one error path.
 */
import {
  Arg,
  Cond,
  CondLhs,
  CondValue,
  DescLit,
  Diagnostic,
  EntryDecl,
  InterruptStep,
  OpStep,
  PageDecl,
  Pos,
  ProgStep,
  Quantifier,
  Scenario,
  SourceLoc,
} from './types';
import { MAX_ERRORS, Lexer, Tok } from './scenarioLexer';
import { checkScenario } from './scenarioCheck';

export const REG_RE = /^r\d{1,2}$/;

class StopParsing extends Error {}

class Parser {
  private p = 0;
  constructor(
    private toks: Tok[],
    private errors: Diagnostic[],
    private file: string,
  ) {}

  private atEof(): boolean {
    return this.t.kind === 'eof';
  }
  private get t(): Tok {
    return this.toks[this.p];
  }
  private peek(k = 1): Tok {
    return this.toks[Math.min(this.p + k, this.toks.length - 1)];
  }
  private next(): Tok {
    const t = this.t;
    if (t.kind !== 'eof') this.p++;
    return t;
  }
  private isP(text: string, t: Tok = this.t): boolean {
    return t.kind === 'punct' && t.text === text;
  }
  private isKw(text: string, t: Tok = this.t): boolean {
    return t.kind === 'ident' && t.text === text;
  }
  private pos(t: Tok = this.t): Pos {
    return { line: t.line, col: t.col };
  }
  private describe(t: Tok): string {
    if (t.kind === 'eof') return 'end of file';
    if (t.kind === 'str') return `string "${t.text.slice(0, 40)}"`;
    if (t.kind === 'loc') return `location "@${t.text.slice(0, 40)}"`;
    return `'${t.text.slice(0, 40)}'`;
  }
  err(t: Tok, message: string): never {
    this.errors.push({ file: this.file, line: t.line, col: t.col, message });
    if (this.errors.length >= MAX_ERRORS) throw new StopParsing();
    throw new SyntaxErr();
  }
  private expectP(text: string, what?: string): Tok {
    if (!this.isP(text)) this.err(this.t, `expected '${text}'${what ? ' ' + what : ''}, found ${this.describe(this.t)}`);
    return this.next();
  }
  private expectIdent(what: string): Tok {
    if (this.t.kind !== 'ident') this.err(this.t, `expected ${what}, found ${this.describe(this.t)}`);
    return this.next();
  }
  private expectNum(what: string): Tok {
    if (this.t.kind !== 'num') this.err(this.t, `expected ${what}, found ${this.describe(this.t)}`);
    return this.next();
  }

  /** Skip to the first token of a later line (or a closing brace). */
  private syncLine(stopAtBrace: boolean) {
    const line = this.t.line;
    if (this.t.kind !== 'eof' && !(stopAtBrace && this.isP('}'))) this.next();
    while (this.t.kind !== 'eof' && this.t.line === line && !(stopAtBrace && this.isP('}'))) this.next();
  }

  parseFile(): Omit<Scenario, 'fileName'> {
    const sc: Omit<Scenario, 'fileName'> = {
      name: '',
      pages: [],
      entries: [],
      cpus: [],
      quantifier: 'exists',
      condition: null,
    };
    let sawCondition = false;
    while (this.t.kind !== 'eof') {
      const start = this.p;
      try {
        const t = this.t;
        if (this.isP(';')) {
          this.next();
        } else if (this.isKw('name')) {
          this.next();
          const s = this.t;
          if (s.kind !== 'str' && s.kind !== 'ident') this.err(s, `expected a quoted scenario name after 'name', found ${this.describe(s)}`);
          this.next();
          sc.name = s.text;
        } else if (this.isKw('expect')) {
          this.next();
          const v = this.expectIdent("'Allowed', 'Forbidden' or 'Required'");
          if (v.text !== 'Allowed' && v.text !== 'Forbidden' && v.text !== 'Required')
            this.err(v, `expected 'Allowed', 'Forbidden' or 'Required' after 'expect', found ${this.describe(v)}`);
          sc.expect = v.text as Scenario['expect'];
        } else if (this.isKw('page')) {
          sc.pages.push(this.parsePage());
        } else if (this.isKw('entry')) {
          sc.entries.push(this.parseEntry());
        } else if (this.isKw('cpu') || (t.kind === 'ident' && /^P\d+$/.test(t.text) && this.isP('{', this.peek()))) {
          sc.cpus.push(this.parseCpu());
        } else if (this.isKw('exists') || this.isKw('forall') || (this.isP('~') && this.isKw('exists', this.peek()))) {
          let q: Quantifier = 'exists';
          if (this.isP('~')) {
            this.next();
            q = '~exists';
          } else if (this.isKw('forall')) q = 'forall';
          const kw = this.next();
          if (sawCondition) this.err(kw, 'only one final condition is allowed');
          sawCondition = true;
          sc.quantifier = q;
          sc.condition = this.parseCond();
        } else {
          this.err(
            t,
            `expected 'name', 'expect', 'page', 'entry', 'cpu N {', 'exists', '~exists' or 'forall', found ${this.describe(t)}`,
          );
        }
      } catch (e) {
        if (e instanceof StopParsing) throw e;
        if (!(e instanceof SyntaxErr)) throw e;
        // resync at the next top-level keyword at the start of a line
        if (this.p === start) this.next();
        while (!this.atEof() && !this.atTopLevelKeyword()) this.next();
      }
    }
    return sc;
  }

  private atTopLevelKeyword(): boolean {
    const t = this.t;
    const prev = this.toks[this.p - 1];
    if (prev && prev.line === t.line) return false;
    return (
      this.isKw('page') ||
      this.isKw('entry') ||
      this.isKw('cpu') ||
      this.isKw('exists') ||
      this.isKw('forall') ||
      this.isKw('name') ||
      this.isKw('expect') ||
      (this.isP('~') && this.isKw('exists', this.peek())) ||
      (t.kind === 'ident' && /^P\d+$/.test(t.text) && this.isP('{', this.peek()))
    );
  }

  private parsePage(): PageDecl {
    const kw = this.next();
    const name = this.expectIdent("a page name after 'page'");
    this.checkName(name);
    let value = 0;
    if (this.isP('=')) {
      this.next();
      value = this.expectNum('a number (the data value held in the page)').value ?? 0;
    }
    return { name: name.text, value, pos: this.pos(kw) };
  }

  private parseEntry(): EntryDecl {
    const kw = this.next();
    const name = this.expectIdent("an entry name after 'entry'");
    this.checkName(name);
    this.expectP('=', 'after the entry name (entry NAME = valid(PAGE) | invalid(...))');
    const d = this.parseDesc();
    if (!d) this.err(this.t, `expected a descriptor 'valid(PAGE)' or 'invalid', found ${this.describe(this.t)}`);
    return { name: name.text, init: d, pos: this.pos(kw) };
  }

  private checkName(t: Tok) {
    if (REG_RE.test(t.text)) this.err(t, `'${t.text}' is a register name; choose another name`);
    if (['valid', 'invalid', 'user', 'kernel', 'fault', 'error', 'interrupt'].includes(t.text))
      this.err(t, `'${t.text}' is a reserved word; choose another name`);
  }

  /** `valid`, `invalid`, `valid(a)`, `valid(a, user)`, `invalid(kernel)`. Returns null if not at a descriptor. */
  private parseDesc(): DescLit | null {
    if (!this.isKw('valid') && !this.isKw('invalid')) return null;
    const kw = this.next();
    const d: DescLit = { valid: kw.text === 'valid', page: null };
    if (this.isP('(')) {
      this.next();
      let first = true;
      while (!this.isP(')')) {
        if (!first) this.expectP(',', 'or \')\' in the descriptor');
        first = false;
        const it = this.expectIdent("a page name, 'user' or 'kernel'");
        const hw = HW_WORDS[it.text];
        if (hw) {
          Object.assign(d, hw);
        } else if (it.text === 'user' || it.text === 'kernel') {
          if (d.user !== undefined) this.err(it, 'the descriptor already says user or kernel');
          d.user = it.text === 'user';
        } else {
          if (d.page !== null) this.err(it, `expected 'user', 'kernel' or ')': the descriptor already names page '${d.page}'`);
          d.page = it.text;
        }
      }
      this.next();
    }
    if (d.valid && d.page === null) this.err(kw, "a valid descriptor needs an output page: 'valid(PAGE)'");
    return d;
  }

  private parseCpu(): { id: number; steps: ProgStep[]; pos: Pos } {
    const kw = this.next();
    let id: number;
    if (kw.text === 'cpu') {
      id = this.expectNum("a CPU number after 'cpu'").value ?? 0;
    } else {
      id = Number(kw.text.slice(1));
    }
    this.expectP('{', 'to open the CPU program');
    const steps = this.parseSteps();
    this.expectP('}', 'to close the CPU program');
    return { id, steps, pos: this.pos(kw) };
  }

  private parseSteps(): ProgStep[] {
    const steps: ProgStep[] = [];
    while (!this.isP('}') && this.t.kind !== 'eof') {
      if (this.isP(';')) {
        this.next();
        continue;
      }
      const before = this.p;
      try {
        steps.push(this.parseStep());
      } catch (e) {
        if (!(e instanceof SyntaxErr)) throw e;
        if (this.p === before && !this.isP('}')) this.next();
        this.syncLine(true);
      }
    }
    return steps;
  }

  private parseStep(): ProgStep {
    const first = this.t;
    let label: string | undefined;
    let dest: string | undefined;
    if (this.t.kind === 'ident' && this.isP(':', this.peek())) {
      label = this.next().text;
      if (REG_RE.test(label)) this.err(first, `'${label}' is a register name and cannot be a label`);
      this.next();
    }
    if (this.t.kind === 'ident' && this.isP('=', this.peek())) {
      const r = this.next();
      if (!REG_RE.test(r.text)) this.err(r, `expected a register (r0..r99) before '=', found '${r.text}'`);
      dest = r.text;
      this.next();
    }
    const opTok = this.t;
    if (opTok.kind !== 'ident') this.err(opTok, `expected an operation name, found ${this.describe(opTok)}`);
    this.next();
    if (opTok.text === 'interrupt') {
      if (dest) this.err(opTok, 'an interrupt block has no result register');
      let optional = false;
      if (this.isP('?')) {
        this.next();
        optional = true;
      }
      const loc = this.parseLoc();
      this.expectP('{', "to open the interrupt body ('interrupt { ... }')");
      const body = this.parseSteps();
      this.expectP('}', 'to close the interrupt body');
      const st: InterruptStep = { kind: 'interrupt', body, label, optional, loc, pos: this.pos(first) };
      return st;
    }
    const args: Arg[] = [];
    this.expectP('(', `after '${opTok.text}' (operations are written op(args))`);
    let firstArg = true;
    while (!this.isP(')')) {
      if (!firstArg) this.expectP(',', "or ')' in the argument list");
      firstArg = false;
      args.push(this.parseArg());
    }
    this.next();
    let optional = false;
    if (this.isP('?')) {
      this.next();
      optional = true;
    }
    const loc = this.parseLoc();
    const st: OpStep = { kind: 'op', op: opTok.text, args, dest, label, optional, loc, pos: this.pos(first) };
    return st;
  }

  private parseLoc(): SourceLoc | undefined {
    if (this.t.kind !== 'loc') return undefined;
    const t = this.next();
    const m = /^(.*):(\d+)(?::(\d+))?$/.exec(t.text);
    if (!m || !m[1]) this.err(t, `expected a source location '@file:line', found '@${t.text.slice(0, 40)}'`);
    const loc: SourceLoc = { file: m[1], line: Number(m[2]) };
    if (m[3]) loc.col = Number(m[3]);
    return loc;
  }

  private parseArg(): Arg {
    const t = this.t;
    if (t.kind === 'num') {
      this.next();
      return { kind: 'num', value: t.value ?? 0, pos: this.pos(t) };
    }
    if (t.kind === 'ident') {
      const d = this.parseDesc();
      if (d) return { kind: 'desc', desc: d, pos: this.pos(t) };
      this.next();
      if (REG_RE.test(t.text)) return { kind: 'reg', reg: t.text, pos: this.pos(t) };
      return { kind: 'name', name: t.text, pos: this.pos(t) };
    }
    this.err(t, `expected an argument (entry name, number, register or descriptor), found ${this.describe(t)}`);
  }

  expectEof() {
    if (this.t.kind !== 'eof') this.err(this.t, `expected end of input, found ${this.describe(this.t)}`);
  }
  parseDescPublic(): DescLit | null {
    return this.parseDesc();
  }

  // condition := disj ; disj := conj ('\/' conj)* ; conj := unary ('/\' unary)*
  parseCond(): Cond {
    let left = this.parseConj();
    while (this.isP('\\/')) {
      this.next();
      left = { kind: 'or', left, right: this.parseConj() };
    }
    return left;
  }
  private parseConj(): Cond {
    let left = this.parseUnary();
    while (this.isP('/\\')) {
      this.next();
      left = { kind: 'and', left, right: this.parseUnary() };
    }
    return left;
  }
  private parseUnary(): Cond {
    if (this.isP('~')) {
      this.next();
      return { kind: 'not', inner: this.parseUnary() };
    }
    if (this.isP('(')) {
      this.next();
      const c = this.parseCond();
      this.expectP(')', 'to close the parenthesised condition');
      return c;
    }
    return this.parseAtom();
  }
  private parseAtom(): Cond {
    const t = this.t;
    if (this.isKw('true')) {
      this.next();
      return { kind: 'true' };
    }
    if (this.isKw('fault')) {
      this.next();
      this.expectP('(', "after 'fault' (fault(LABEL), fault(P0:LABEL) or fault(ENTRY))");
      let cpu: number | undefined;
      if ((this.t.kind === 'ident' && /^P\d+$/.test(this.t.text)) || this.t.kind === 'num') {
        if (this.isP(':', this.peek())) {
          const c = this.next();
          cpu = c.kind === 'num' ? (c.value ?? 0) : Number(c.text.slice(1));
          this.next();
        }
      }
      const target = this.expectIdent('a label or entry name');
      let faultKind: string | undefined;
      while (this.isP(',')) {
        // herd style fault(P0:L0,x): the VA is implied by the label here;
        // a kind (Translation, AccessFlag, Permission) narrows the fault
        this.next();
        const w = this.expectIdent('an entry name or a fault kind');
        if (FAULT_KINDS.includes(w.text)) faultKind = w.text;
      }
      this.expectP(')', 'to close fault(...)');
      const f: Cond = { kind: 'fault', cpu, target: target.text, pos: this.pos(t) };
      if (faultKind) f.faultKind = faultKind;
      return f;
    }
    if (this.isKw('error')) {
      this.next();
      return { kind: 'error', pos: this.pos(t) };
    }
    let lhs: CondLhs;
    if ((t.kind === 'ident' && /^P\d+$/.test(t.text)) || t.kind === 'num') {
      this.next();
      this.expectP(':', "after the CPU in a register reference ('P0:r0')");
      const r = this.expectIdent('a register name');
      if (!REG_RE.test(r.text)) this.err(r, `expected a register (r0..r99), found '${r.text}'`);
      lhs = { kind: 'reg', cpu: t.kind === 'num' ? (t.value ?? 0) : Number(t.text.slice(1)), reg: r.text };
    } else if (t.kind === 'ident') {
      this.next();
      lhs = { kind: 'entry', name: t.text }; // entry or page: resolved by the checker
    } else {
      this.err(t, `expected a condition: fault(...), error, P0:rN = VALUE, ENTRY = DESCRIPTOR or PAGE = NUMBER; found ${this.describe(t)}`);
    }
    let negate = false;
    if (this.isP('!=')) {
      negate = true;
      this.next();
    } else this.expectP('=', 'or \'!=\' in the comparison');
    const vt = this.t;
    let value: CondValue;
    if (vt.kind === 'num') {
      this.next();
      value = { kind: 'num', value: vt.value ?? 0 };
    } else {
      const d = this.parseDesc();
      if (!d) this.err(vt, `expected a number or a descriptor (valid(PAGE) / invalid), found ${this.describe(vt)}`);
      value = { kind: 'desc', desc: d };
    }
    return { kind: 'eq', lhs, value, negate, pos: this.pos(t) };
  }
}

class SyntaxErr extends Error {}

export interface ParseResult {
  scenario?: Scenario;
  errors: Diagnostic[];
}

/** Parse a scenario. Never throws; `scenario` is absent when there are errors. */
export function parseScenario(text: string, fileName = '<scenario>'): ParseResult {
  const errors: Diagnostic[] = [];
  try {
    if (typeof text !== 'string') {
      return { errors: [{ file: fileName, line: 1, col: 1, message: 'scenario text is not a string' }] };
    }
    if (text.trim() === '') {
      return { errors: [{ file: fileName, line: 1, col: 1, message: "empty scenario: expected 'page', 'entry' and 'cpu N { ... }' declarations" }] };
    }
    const toks = new Lexer(text, errors, fileName).run();
    if (errors.length >= MAX_ERRORS) {
      errors.push({ file: fileName, line: errors[errors.length - 1].line, col: 1, message: `too many errors (${MAX_ERRORS}); is this a scenario file?` });
      return { errors };
    }
    const parser = new Parser(toks, errors, fileName);
    let body: Omit<Scenario, 'fileName'>;
    try {
      body = parser.parseFile();
    } catch (e) {
      if (e instanceof StopParsing) {
        errors.push({ file: fileName, line: errors[errors.length - 1].line, col: 1, message: `too many errors (${MAX_ERRORS}); stopped` });
        return { errors };
      }
      throw e;
    }
    const scenario: Scenario = { ...body, fileName };
    if (!scenario.name) scenario.name = fileName.replace(/^.*[\\/]/, '').replace(/\.lzmmu$/, '');
    if (errors.length === 0) checkScenario(scenario, errors);
    if (errors.length) return { errors: sortDiags(errors) };
    return { scenario, errors: [] };
  } catch (e) {
    errors.push({ file: fileName, line: 1, col: 1, message: `internal parser error: ${(e as Error)?.message ?? String(e)}` });
    return { errors };
  }
}

function sortDiags(d: Diagnostic[]): Diagnostic[] {
  return [...d].sort((a, b) => a.line - b.line || a.col - b.col);
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: error: ${d.message}`;
}

/** Parse a condition alone (used by the programmatic builder). */
export function parseCondition(text: string, fileName = '<condition>'): { cond?: Cond; errors: Diagnostic[] } {
  const errors: Diagnostic[] = [];
  try {
    const toks = new Lexer(text, errors, fileName).run();
    if (errors.length) return { errors };
    const parser = new Parser(toks, errors, fileName);
    let cond: Cond | undefined;
    try {
      cond = parser.parseCond();
      parser.expectEof();
    } catch (e) {
      if (!(e instanceof SyntaxErr) && !(e instanceof StopParsing)) throw e;
    }
    return errors.length ? { errors } : { cond, errors };
  } catch (e) {
    return { errors: [{ file: fileName, line: 1, col: 1, message: `internal parser error: ${(e as Error)?.message ?? String(e)}` }] };
  }
}

/** The fault kinds a condition's `fault(LABEL, KIND)` may name. */
export const FAULT_KINDS = ['Translation', 'AccessFlag', 'Permission'];

/** Descriptor words for the hardware-managed fields (names of the kernel's pte_mk* helpers). */
const HW_WORDS: Record<string, Partial<DescLit>> = {
  old: { af: false },
  young: { af: true },
  clean: { db: false },
  dirty: { db: true },
  dbm: { dbm: true },
  nodbm: { dbm: false },
};

/** Parse a descriptor literal alone: `valid(a)`, `invalid(a, user)`. */
export function parseDescText(text: string): DescLit | null {
  const errors: Diagnostic[] = [];
  const toks = new Lexer(text, errors, '<desc>').run();
  if (errors.length) return null;
  const parser = new Parser(toks, errors, '<desc>');
  try {
    const d = parser.parseDescPublic();
    parser.expectEof();
    return errors.length ? null : d;
  } catch {
    return null;
  }
}
