/**
 * Character-level language-model data: words become fixed-length int32 sequences for
 * next-character prediction. Token 0 is the end token: it starts every input, ends every target
 * and pads both, so a model learns where words begin and end.
 */
import { platform } from '#platform';
import { IOError, ShapeError } from '../errors.js';
import { quote } from '../check/describe.js';
import { guardMethods, guardStatics } from '../check/args.js';
import { DATASET_METHODS } from '../check/specs/methods.js';
import { CHAR_DATASET } from '../check/specs/data.js';
import { Tensor } from '../tensor.js';
import { upload } from '../ops/creation.js';
import { Dataset, checkIndex } from './dataset.js';

/** Where Debian's `wamerican` package puts its word list. */
export const DICT_WORDS = '/usr/share/dict/words';

/** Options of `CharDataset.fromWords`. */
export interface CharDatasetOptions {
  /** Sequence length; default: the longest word + 1. Longer words are skipped (see `skipped`). */
  seqLen?: number;
  /** Target value at padding positions after the end token (default 0, the end token itself; e.g. -100 for a loss that ignores it). */
  targetPad?: number;
  /** Device for the tensors `get`/`getBatch` make. */
  device?: string;
}

/** Options of the word-list reader. */
export interface WordListOptions {
  /** File to read (default `/usr/share/dict/words`, from Debian's `wamerican`). */
  path?: string;
  /** Keep only words matching this (default /^[a-z]+$/: lowercase ASCII, no names or possessives); null keeps all. */
  filter?: RegExp | null;
  /** Keep at most this many words (after filtering and de-duplication, in file order). */
  maxWords?: number;
}

/**
 * The non-empty lines of a word list, filtered and de-duplicated (Node).
 * @example
 * const words = await fl.data.loadWords(); // ['a', 'aardvark', …] from /usr/share/dict/words
 */
export async function loadWords(opts: WordListOptions = {}): Promise<string[]> {
  const path = opts.path ?? DICT_WORDS;
  if (!platform.files)
    throw new IOError(
      `loadWords: this runtime has no file system to read ${quote(path)} from; pass the words to CharDataset.fromWords`,
      path,
      'ENOTSUP',
    );
  let text: string;
  try {
    text = new TextDecoder().decode(await platform.files.read(path));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'ENOENT' || opts.path !== undefined)
      throw new IOError(`loadWords: cannot read ${quote(path)}: ${code ?? 'error'}`, path, code);
    throw new IOError(
      `loadWords: ${DICT_WORDS} not found; install the Debian package wamerican or pass { path }`,
      path,
      code,
    );
  }
  const filter = opts.filter === undefined ? /^[a-z]+$/ : opts.filter;
  const seen = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const w = line.trim();
    if (w && (!filter || filter.test(w))) seen.add(w);
    if (opts.maxWords !== undefined && seen.size >= opts.maxWords) break;
  }
  return [...seen];
}

/**
 * Words as next-character prediction pairs. For "cat" with seqLen 5 (end token 0, c=1, a=2, t=3):
 * input [0, c, a, t, 0] → target [c, a, t, 0, pad]. Items are `[input, target]`, int32 [seqLen].
 * @example
 * const ds = fl.data.CharDataset.fromWords(['cat', 'dog'], { seqLen: 5 });
 * ds.vocabSize;            // 7: the end token '.', then a c d g o t
 * const [x, y] = ds.get(0);
 * ds.decode(y);            // 'cat'
 */
export class CharDataset extends Dataset<[Tensor, Tensor]> {
  /** Token id → character; `chars[0]` is the end token's display character. */
  readonly chars: readonly string[];
  /** Length of every input and target sequence. */
  readonly seqLen: number;
  /** The words kept, in item order. */
  readonly words: readonly string[];
  /** Words dropped for being longer than seqLen - 1 characters. */
  readonly skipped: number;
  /** Token id that starts and ends each word (0). */
  readonly endToken = 0;
  private readonly ids: Map<string, number>;
  private readonly x: Int32Array;
  private readonly y: Int32Array;
  private readonly device: string | undefined;

  private constructor(words: readonly string[], opts: CharDatasetOptions) {
    super();
    const split = words.map((w) => Array.from(w));
    const longest = split.reduce((m, w) => Math.max(m, w.length), 0);
    const seqLen = opts.seqLen ?? longest + 1;
    if (!Number.isInteger(seqLen) || seqLen < 2)
      throw new ShapeError(`CharDataset: seqLen must be an integer ≥ 2, got ${seqLen}`);
    const charset = [...new Set(split.flat())].sort(
      (a, b) => a.codePointAt(0)! - b.codePointAt(0)!,
    );
    const end = ['.', '\n', '\u0000'].find((c) => !charset.includes(c))!;
    this.chars = [end, ...charset];
    this.ids = new Map(charset.map((c, i) => [c, i + 1]));
    const kept = split.filter((w) => w.length + 1 <= seqLen);
    this.seqLen = seqLen;
    this.words = kept.map((w) => w.join(''));
    this.skipped = split.length - kept.length;
    this.device = opts.device;
    this.x = new Int32Array(kept.length * seqLen);
    this.y = new Int32Array(kept.length * seqLen).fill(opts.targetPad ?? 0);
    kept.forEach((w, r) => {
      const row = r * seqLen;
      w.forEach((c, k) => {
        this.x[row + k + 1] = this.ids.get(c)!;
        this.y[row + k] = this.ids.get(c)!;
      });
      this.y[row + w.length] = 0;
    });
  }

  /** Build the vocabulary from `words` and encode them. */
  static fromWords(words: readonly string[], opts: CharDatasetOptions = {}): CharDataset {
    if (words.length === 0)
      throw new ShapeError('CharDataset.fromWords: expected at least one word');
    return new CharDataset(words, opts);
  }

  /**
   * From a word list file (default /usr/share/dict/words, Debian's `wamerican`).
   * @example
   * const ds = await fl.data.CharDataset.fromWordList({ maxWords: 5000 }, { seqLen: 16 });
   */
  static async fromWordList(
    list: WordListOptions = {},
    opts: CharDatasetOptions = {},
  ): Promise<CharDataset> {
    return CharDataset.fromWords(await loadWords(list), opts);
  }

  /** Number of words kept. */
  get length(): number {
    return this.words.length;
  }
  /** Number of token ids, including the end token. */
  get vocabSize(): number {
    return this.chars.length;
  }

  /** Token ids of a word (no end tokens); ShapeError for a character outside the vocabulary. */
  encode(word: string): number[] {
    return Array.from(word, (c) => {
      const id = this.ids.get(c);
      if (id === undefined)
        throw new ShapeError(`CharDataset.encode: ${JSON.stringify(c)} is not in the vocabulary`);
      return id;
    });
  }

  /** Characters of token ids, skipping leading end tokens and stopping at the next one (unless stopAtEnd is false). */
  decode(ids: Tensor | readonly number[], opts: { stopAtEnd?: boolean } = {}): string {
    const list = ids instanceof Tensor ? Array.from(ids.dataSync()) : ids;
    let out = '';
    let started = false;
    for (const id of list) {
      if (id === this.endToken && opts.stopAtEnd !== false) {
        if (started) break;
        continue;
      }
      started = true;
      out += this.chars[id] ?? '';
    }
    return out;
  }

  /** Item `index`: int32 `[input, target]`, each of shape [seqLen]. */
  get(index: number): [Tensor, Tensor] {
    checkIndex('CharDataset.get', index, this.length);
    return this.make([index], [this.seqLen]);
  }

  /** Inputs and targets of these items, int32 [B, seqLen] each. */
  override getBatch(indices: readonly number[]): [Tensor, Tensor] {
    for (const i of indices) checkIndex('CharDataset.getBatch', i, this.length);
    return this.make(indices, [indices.length, this.seqLen]);
  }

  private make(indices: readonly number[], shape: number[]): [Tensor, Tensor] {
    const L = this.seqLen;
    const xb = new Int32Array(indices.length * L);
    const yb = new Int32Array(indices.length * L);
    indices.forEach((i, r) => {
      xb.set(this.x.subarray(i * L, (i + 1) * L), r * L);
      yb.set(this.y.subarray(i * L, (i + 1) * L), r * L);
    });
    const x = upload(xb, shape, 'int32', this.device);
    return [x, upload(yb, shape, 'int32', this.device)];
  }
}

// The factories and methods check their arguments against their specs (check/specs/) first.
guardStatics(CharDataset, CHAR_DATASET);
guardMethods(CharDataset, DATASET_METHODS.CharDataset);
