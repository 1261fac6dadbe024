/** Recurrent layers (RNN, LSTM, GRU) and their single-step cells. */
export { RNN, LSTM, GRU } from './rnn.js';
export type { RNNBaseOptions, RNNOptions } from './rnn.js';
export { RNNCell, LSTMCell, GRUCell } from './cells.js';
export type { CellOptions, RNNCellOptions } from './cells.js';
