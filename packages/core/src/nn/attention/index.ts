/** Attention: the scaled dot-product composite, multi-head attention and the Transformer stack. */
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
export { TransformerDecoderLayer } from './decoder.js';
export type {
  TransformerDecoderLayerOptions,
  TransformerDecoderLayerForwardOptions,
} from './decoder.js';
export { TransformerEncoder, TransformerDecoder, Transformer } from './stack.js';
export type {
  TransformerEncoderOptions,
  TransformerEncoderForwardOptions,
  TransformerDecoderOptions,
  TransformerDecoderForwardOptions,
  TransformerOptions,
  TransformerForwardOptions,
} from './stack.js';
