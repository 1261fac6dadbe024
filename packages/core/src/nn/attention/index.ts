/** Attention: the scaled dot-product composite, multi-head attention and the encoder layer. */
export { scaledDotProductAttention } from './sdpa.js';
export type { ScaledDotProductAttentionOptions } from './sdpa.js';
export { MultiheadAttention } from './multihead.js';
export type { MultiheadAttentionOptions, MultiheadAttentionForwardOptions } from './multihead.js';
export { TransformerEncoderLayer } from './transformer.js';
export type {
  TransformerEncoderLayerOptions,
  TransformerEncoderLayerForwardOptions,
  TransformerActivation,
} from './transformer.js';
