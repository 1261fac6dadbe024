/** `fl.nn.utils`: gradient clipping, as torch.nn.utils has it. */
export { clipGradNorm_, clipGradValue_ } from '../optim/clip.js';
export type { ClipGradNormOptions } from '../optim/clip.js';
