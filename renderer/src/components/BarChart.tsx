/**
 * A bar chart drawn by Chart.js on a canvas (docs/analytics.md says why this library: it runs under
 * the renderer's CSP — no eval, sizes set through the CSSOM, no injected style element). Only the bar
 * chart parts are registered (tree-shaken). The canvas is an image with a text alternative; the
 * numbers are also in a table next to every chart, so nothing is only in the picture.
 *
 * {@link BarChartHandle.png} gives the chart as a PNG on a white background (for "Save chart").
 */
import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip, type Plugin } from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

/** Paints the canvas white under the chart, so a saved PNG is not transparent. */
const whiteBackground: Plugin<'bar'> = {
  id: 'whiteBackground',
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

export interface BarChartProps {
  /** Text alternative of the chart image (what it shows, and its largest value). */
  description: string;
  labels: string[];
  values: number[];
  /** Name of the values (tooltip and value axis title), e.g. "failed attempts". */
  seriesLabel: string;
  /** Title of the category axis, e.g. "step". */
  categoryTitle: string;
  /** Bar colour (CSS colour). */
  color: string;
  /** Bars lie horizontally (long category names: step names, classes). */
  horizontal?: boolean;
  testId?: string;
}

/** What the parent can ask of a drawn chart. */
export interface BarChartHandle {
  /** The chart as a PNG, or undefined when the browser cannot draw on a canvas. */
  png(): Promise<Blob | undefined>;
}

/** One bar chart on a canvas; redrawn when its data change. */
export const BarChart = forwardRef<BarChartHandle, BarChartProps>(function BarChart(props, ref) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const { labels, values, seriesLabel, categoryTitle, color, horizontal } = props;

  useEffect(() => {
    const el = canvas.current;
    // Chart.js needs a 2D context; a DOM without canvas (unit tests) gets the table only.
    const ctx = el && typeof CanvasRenderingContext2D !== 'undefined' ? el.getContext('2d') : null;
    if (!ctx) return;
    const valueAxis = {
      beginAtZero: true,
      ticks: { precision: 0 },
      title: { display: true, text: seriesLabel },
    };
    const categoryAxis = { title: { display: true, text: categoryTitle } };
    const chart = new Chart(ctx, {
      type: 'bar',
      data: {
        labels,
        datasets: [{ label: seriesLabel, data: values, backgroundColor: color, maxBarThickness: 56 }],
      },
      options: {
        indexAxis: horizontal ? 'y' : 'x',
        animation: false,
        // Drawn at twice the screen's pixels at least, so a saved PNG is sharp in a report.
        devicePixelRatio: Math.max(2, window.devicePixelRatio || 1),
        responsive: true,
        maintainAspectRatio: false,
        scales: horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
      },
      plugins: [whiteBackground],
    });
    return () => chart.destroy();
  }, [labels, values, seriesLabel, categoryTitle, color, horizontal]);

  useImperativeHandle(ref, () => ({
    png: () =>
      new Promise<Blob | undefined>((resolve) => {
        const el = canvas.current;
        if (!el || typeof el.toBlob !== 'function') return resolve(undefined);
        try {
          el.toBlob((b) => resolve(b ?? undefined), 'image/png');
        } catch {
          resolve(undefined);
        }
      }),
  }));

  return (
    <div className="chart" data-testid={props.testId}>
      <canvas ref={canvas} role="img" aria-label={props.description} />
    </div>
  );
});
