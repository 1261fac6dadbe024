/** `nn.utils` as exported: nn/utils.ts with its functions guarded. */
import { clipFunctions } from './nn.js';

export * from '../../nn/utils.js';

const guarded = clipFunctions('nn.utils');
export const clipGradNorm_ = guarded.clipGradNorm_;
export const clipGradValue_ = guarded.clipGradValue_;
