/**
 * Containers: Sequential (a chain), ModuleList and ModuleDict (holders whose children are
 * registered under their index or key, so state-dict keys are torch's `0.weight`, `enc.bias`).
 */
import { FlintError, ArgumentError, ShapeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { Model, type CompileOptions } from '../train/model.js';
import { Module } from './module.js';
import { NN } from '../check/specs/nn.js';
import { checkArgs, guardMethods } from '../check/args.js';
import { modelMethods } from '../check/specs/train.js';
import { ANY_FORWARD, DICT_METHODS, LIST_METHODS, forwardOf } from '../check/specs/methods.js';
import { quote } from '../check/describe.js';
import { moduleName } from './names.js';

function indexIn(op: string, i: number, n: number): number {
  const j = i < 0 ? i + n : i;
  if (!Number.isInteger(i) || j < 0 || j >= n)
    throw new ShapeError(`${op}: index ${i} is out of range for ${n} modules`);
  return j;
}

/** Children in registration order (the only children of a container are the registered ones). */
abstract class ListLike<M extends Module> extends Module {
  /** Number of modules. */
  get length(): number {
    return this.namedChildren().length;
  }
  /** The module at `i` (negative counts from the end). */
  at(i: number): M {
    const kids = this.children() as M[];
    return kids[indexIn(`${moduleName(this)}.at`, i, kids.length)]!;
  }
  /** Append a module under the next index. */
  append(m: M): this {
    this.addModule(String(this.length), m);
    return this;
  }
  /** Iterate over the modules in order (`for (const m of list)`). */
  [Symbol.iterator](): Iterator<M> {
    return (this.children() as M[])[Symbol.iterator]();
  }
}

/**
 * Runs its modules in order, feeding each one's output to the next. Children are named
 * '0', '1', … (or by the keys of a record), as in torch. It also trains Keras-style:
 * `compile`, `fit`, `evaluate` and `predict` are those of `fl.Model`.
 * @example
 * const model = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
 * Object.keys(model.stateDict()); // ['0.weight', '0.bias', '2.weight', '2.bias']
 */
export class Sequential extends ListLike<Module> {
  constructor(...modules: Module[]);
  constructor(modules: Readonly<Record<string, Module>>);
  constructor(...args: (Module | Readonly<Record<string, Module>>)[]) {
    checkArgs(NN.Sequential, args);
    super();
    if (args.length === 1 && !(args[0] instanceof Module)) {
      for (const [k, m] of Object.entries(args[0]!)) this.addModule(k, m);
      return;
    }
    args.forEach((m, i) => {
      if (!(m instanceof Module))
        throw new ArgumentError(`Sequential: argument ${i} is not a Module`);
      this.addModule(String(i), m);
    });
  }
  forward(input: Tensor): Tensor {
    let x: unknown = input;
    for (const m of this.children()) x = m.forward(x);
    return x as Tensor;
  }

  // Keras style: the training loop of fl.Model, bound to this model.
  private keras: Model | null = null;
  /** Set the optimizer, loss and metrics for `fit` / `evaluate` (see `fl.Model`). */
  compile(opts: CompileOptions): this {
    (this.keras ??= new Model(this)).compile(opts);
    return this;
  }
  /**
   * Train with the optimizer and loss set by `compile` (see `fl.Model.fit`); throws before
   * `compile`.
   */
  fit(...args: Parameters<Model['fit']>): ReturnType<Model['fit']> {
    return this.compiled('fit').fit(...args);
  }
  /**
   * Mean loss and metrics in eval mode without gradients (see `fl.Model.evaluate`); throws before
   * `compile`.
   */
  evaluate(...args: Parameters<Model['evaluate']>): ReturnType<Model['evaluate']> {
    return this.compiled('evaluate').evaluate(...args);
  }
  /** Batched forward pass without gradients (works before compile). */
  predict(...args: Parameters<Model['predict']>): ReturnType<Model['predict']> {
    return (this.keras ??= new Model(this)).predict(...args);
  }
  /** Layers, output shapes and parameter counts, as Keras prints them (see `fl.Model`). */
  summary(...args: Parameters<Model['summary']>): ReturnType<Model['summary']> {
    return (this.keras ??= new Model(this)).summary(...args);
  }
  /** Free the parameters and buffers, and the state of the optimizer `compile` set up. */
  override dispose(): void {
    this.keras?._disposeOptimizer();
    super.dispose();
  }
  /** Architecture and weights in one file; `fl.Model.load(path)` rebuilds it. */
  save(...args: Parameters<Model['save']>): ReturnType<Model['save']> {
    return (this.keras ??= new Model(this))._save('Sequential.save', ...args);
  }
  private compiled(op: string): Model {
    if (!this.keras)
      throw new FlintError(`Sequential.${op}: call compile({ optimizer, loss }) first`);
    return this.keras;
  }
}

/**
 * A list of modules whose parameters belong to the parent; it has no forward of its own.
 * @example
 * const blocks = new nn.ModuleList([new nn.Linear(8, 8), new nn.Linear(8, 8)]);
 * for (const b of blocks) x = b.forward(x);
 */
export class ModuleList<M extends Module = Module> extends ListLike<M> {
  constructor(modules: Iterable<M> = []) {
    checkArgs(NN.ModuleList, [modules], arguments.length);
    super();
    this.extend(modules);
  }
  /** Append every module of `modules`, in order. */
  extend(modules: Iterable<M>): this {
    for (const m of modules) this.append(m);
    return this;
  }
  /** Insert before position `i`; later modules move up one index (and state-dict key). */
  insert(i: number, m: M): this {
    const kids = this.children();
    const at = i === kids.length ? i : indexIn('ModuleList.insert', i, kids.length);
    for (let j = kids.length; j > at; j--) this.addModule(String(j), kids[j - 1]!);
    this.addModule(String(at), m);
    return this;
  }
  forward(): never {
    throw new FlintError(
      'ModuleList: a container has no forward(); iterate over it and call its modules',
    );
  }
}

/**
 * Modules by name; the names become state-dict key prefixes.
 * @example
 * const heads = new nn.ModuleDict({ cls: new nn.Linear(64, 10), box: new nn.Linear(64, 4) });
 * heads.get('cls');
 */
export class ModuleDict<M extends Module = Module> extends Module {
  constructor(modules: Readonly<Record<string, M>> = {}) {
    checkArgs(NN.ModuleDict, [modules], arguments.length);
    super();
    for (const [k, m] of Object.entries(modules)) this.set(k, m);
  }
  /** The module under `key`, if any. */
  get(key: string): M | undefined {
    return this.namedChildren().find(([k]) => k === key)?.[1] as M | undefined;
  }
  /** Add or replace the module under `key` (non-empty, without '.'). */
  set(key: string, m: M): this {
    if (key.includes('.') || key === '')
      throw new ArgumentError(`ModuleDict: key ${quote(key)} must be non-empty and contain no '.'`);
    this.addModule(key, m);
    return this;
  }
  /** Whether a module is registered under `key`. */
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }
  /** The keys, in insertion order. */
  keys(): string[] {
    return this.namedChildren().map(([k]) => k);
  }
  /** The modules, in insertion order. */
  values(): M[] {
    return this.children() as M[];
  }
  /** `[key, module]` pairs, in insertion order. */
  entries(): [string, M][] {
    return this.namedChildren() as [string, M][];
  }
  /** Number of modules. */
  get size(): number {
    return this.namedChildren().length;
  }
  forward(): never {
    throw new FlintError('ModuleDict: a container has no forward(); call its modules by key');
  }
}

// Public methods check their arguments against their specs first (check/specs/methods.ts and,
// for compile/fit/evaluate/predict, fl.Model's in check/specs/train.ts).
guardMethods(Sequential, modelMethods('Sequential'));
guardMethods(Sequential, forwardOf('Sequential', ANY_FORWARD));
guardMethods(ListLike, LIST_METHODS);
guardMethods(ModuleList, LIST_METHODS);
guardMethods(ModuleDict, DICT_METHODS);
