/**
 * The grid of test images under the chart: each image drawn from its uint8 pixels into a small
 * canvas, with its true class and, after each epoch, the predicted one (green when right).
 */
import { CLASSES } from './protocol.js';

export function drawGrid(grid: HTMLElement, pixels: Uint8Array, labels: number[]): void {
  grid.innerHTML = '';
  labels.forEach((label, i) => {
    const cell = document.createElement('figure');
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 28;
    const ctx = canvas.getContext('2d')!;
    const img = ctx.createImageData(28, 28);
    for (let p = 0; p < 784; p++) {
      // Fashion-MNIST is white on black; draw it dark on light to match the page
      const v = 255 - pixels[i * 784 + p]!;
      img.data.set([v, v, v, 255], p * 4);
    }
    ctx.putImageData(img, 0, 0);
    const caption = document.createElement('figcaption');
    caption.innerHTML = `<span class="ft-pred">–</span><span class="ft-true">${CLASSES[label] ?? label}</span>`;
    cell.dataset.label = String(label);
    cell.append(canvas, caption);
    grid.append(cell);
  });
}

export function showPredictions(grid: HTMLElement, predictions: number[]): void {
  grid.querySelectorAll('figure').forEach((cell, i) => {
    const p = predictions[i];
    if (p === undefined) return;
    const pred = cell.querySelector('.ft-pred')!;
    pred.textContent = CLASSES[p] ?? String(p);
    cell.dataset.predicted = String(p);
    cell.classList.toggle('ft-right', String(p) === cell.dataset.label);
    cell.classList.toggle('ft-wrong', String(p) !== cell.dataset.label);
  });
}
