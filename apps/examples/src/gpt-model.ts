/**
 * A small decoder-only Transformer (GPT) as `nn.Module` subclasses, PyTorch style: token and
 * learned position embeddings, pre-norm blocks (LayerNorm → causal multi-head self-attention →
 * residual; LayerNorm → MLP with GELU → residual), a final LayerNorm and a linear head.
 * `scripts/make-gpt-fixture.py` defines the same classes in PyTorch with the same field names,
 * so the state-dict keys match (`tok.weight`, `blocks.0.attn.in_proj_weight`, `blocks.0.mlp.0.weight`, …).
 */
import * as fl from '@flint/core';

const { nn } = fl;

export interface GptSizes {
  /** Width of the embeddings and of the residual stream (default 64). */
  dModel?: number;
  /** Attention heads per block; must divide dModel (default 4). */
  nHead?: number;
  /** Number of Transformer blocks (default 2). */
  nLayer?: number;
  /** Longest sequence the position embedding covers (default 16). */
  blockSize?: number;
}

/**
 * [T, T] bool, true above the diagonal: position i may not attend to the later positions j > i.
 * `MultiheadAttention` reads `true` as "blocked", as torch does.
 */
export function causalMask(T: number): fl.Tensor {
  return fl.tidy(() => fl.arange(T).unsqueeze(0).gt(fl.arange(T).unsqueeze(1)));
}

/** One pre-norm Transformer block; keys ln1.*, attn.in_proj_*, attn.out_proj.*, ln2.*, mlp.{0,2}.*. */
export class Block extends nn.Module {
  ln1: fl.nn.LayerNorm;
  attn: fl.nn.MultiheadAttention;
  ln2: fl.nn.LayerNorm;
  mlp: fl.nn.Sequential;
  constructor(dModel: number, nHead: number) {
    super();
    this.ln1 = new nn.LayerNorm(dModel);
    this.attn = new nn.MultiheadAttention(dModel, nHead, { batchFirst: true });
    this.ln2 = new nn.LayerNorm(dModel);
    // The usual 4× wider hidden layer of GPT's feed-forward block.
    this.mlp = new nn.Sequential(
      new nn.Linear(dModel, 4 * dModel),
      new nn.GELU(),
      new nn.Linear(4 * dModel, dModel),
    );
  }
  /** x [B, T, dModel], mask [T, T] (true = blocked) → [B, T, dModel]. */
  forward(x: fl.Tensor, mask: fl.Tensor): fl.Tensor {
    const h = this.ln1.forward(x);
    // needWeights: false — the averaged attention map is not used, so it is not computed.
    const [a] = this.attn.forward(h, h, h, { attnMask: mask, needWeights: false });
    const y = x.add(a);
    return y.add(this.mlp.forward(this.ln2.forward(y)) as fl.Tensor);
  }
}

/** Token ids [B, T] (T ≤ blockSize) → next-token logits [B, T, vocab]. */
export class GPT extends nn.Module {
  tok: fl.nn.Embedding;
  pos: fl.nn.Embedding;
  blocks: fl.nn.ModuleList<Block>;
  norm: fl.nn.LayerNorm;
  head: fl.nn.Linear;
  readonly blockSize: number;
  constructor(
    readonly vocabSize: number,
    sizes: GptSizes = {},
  ) {
    super();
    const d = sizes.dModel ?? 64;
    const nHead = sizes.nHead ?? 4;
    this.blockSize = sizes.blockSize ?? 16;
    this.tok = new nn.Embedding(vocabSize, d);
    this.pos = new nn.Embedding(this.blockSize, d);
    this.blocks = new nn.ModuleList(
      Array.from({ length: sizes.nLayer ?? 2 }, () => new Block(d, nHead)),
    );
    this.norm = new nn.LayerNorm(d);
    this.head = new nn.Linear(d, vocabSize);
  }
  forward(tokens: fl.Tensor): fl.Tensor {
    const T = tokens.shape[1]!;
    if (tokens.ndim !== 2 || T > this.blockSize)
      throw new fl.ShapeError(
        `GPT.forward: expected token ids [batch, seq] with seq ≤ ${this.blockSize}, got [${tokens.shape.join(', ')}]`,
      );
    const positions = fl.arange(T, undefined, 1, { dtype: 'int32' });
    let x = this.tok.forward(tokens).add(this.pos.forward(positions));
    const mask = causalMask(T);
    for (const block of this.blocks) x = block.forward(x, mask);
    return this.head.forward(this.norm.forward(x));
  }
}
