/**
 * The live chart of the demo: training loss per step (left axis) and test accuracy per epoch
 * (right axis) drawn by uPlot. Redraws are batched to one per animation frame, since the worker
 * posts a point per step.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const LOSS = '#3b82f6';
const ACC = '#16a34a';

export class LiveChart {
  private readonly steps: number[] = [];
  private readonly loss: number[] = [];
  private readonly acc: (number | null)[] = [];
  private readonly plot: uPlot;
  private pending = 0;

  constructor(private readonly host: HTMLElement) {
    this.plot = new uPlot(this.options(), [[], [], []], host);
  }

  /**
   * No legend (the axes name and colour the series; VitePress's table styles would box it in) and
   * axis text in the page's own colour, so the chart reads in dark mode too.
   */
  private options(): uPlot.Options {
    const text = getComputedStyle(this.host).color || '#374151';
    const grid = { stroke: 'rgba(128, 128, 128, 0.2)' };
    return {
      width: this.width(),
      height: 260,
      legend: { show: false },
      scales: { x: { time: false }, acc: { range: [0, 100] } },
      axes: [
        { label: 'step', stroke: text, grid, ticks: grid },
        { label: 'training loss', scale: 'y', stroke: LOSS, grid, ticks: grid },
        { label: 'test accuracy %', scale: 'acc', side: 1, stroke: ACC, grid: { show: false } },
      ],
      series: [
        {},
        { label: 'training loss', stroke: LOSS, width: 1.5, scale: 'y' },
        {
          label: 'test accuracy %',
          stroke: ACC,
          width: 2,
          scale: 'acc',
          spanGaps: true,
          points: { show: true, size: 7 },
        },
      ],
    };
  }

  private width(): number {
    return Math.max(280, Math.floor(this.host.clientWidth || 600));
  }

  /** Points drawn so far: [loss points, accuracy points]. */
  get points(): [number, number] {
    return [this.loss.length, this.acc.filter((a) => a !== null).length];
  }

  addLoss(step: number, loss: number): void {
    this.steps.push(step);
    this.loss.push(loss);
    this.acc.push(null);
    this.schedule();
  }

  /** The accuracy after an epoch belongs to that epoch's last step. */
  addAccuracy(step: number, accuracy: number): void {
    const i = this.steps.lastIndexOf(step);
    if (i >= 0) this.acc[i] = accuracy * 100;
    this.schedule();
  }

  reset(): void {
    this.steps.length = this.loss.length = this.acc.length = 0;
    this.schedule();
  }

  resize(): void {
    this.plot.setSize({ width: this.width(), height: 260 });
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.plot.setData([this.steps, this.loss, this.acc as number[]]);
      this.host.dataset.points = String(this.points[0]);
      this.host.dataset.accPoints = String(this.points[1]);
    });
  }

  destroy(): void {
    cancelAnimationFrame(this.pending);
    this.plot.destroy();
  }
}
