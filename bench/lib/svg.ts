/**
 * The plot of docs/benchmarks.svg, written by hand (no dependencies): wall time against N
 * for every variant, one panel per scenario, medians joined by lines, the range over
 * runs as a whisker.
 */
import { FLOOR, type Results, SCENARIOS, type Scenario, VARIANTS } from "./model";

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function niceCeil(x: number): number {
  if (x <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

function med(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** One panel per scenario. */
const PANELS: Scenario[] = SCENARIOS.map((x) => x.id);

export function plotSvg(results: Results): string {
  const W = 400;
  const H = 280;
  const cols = 3;
  const m = { l: 58, r: 16, t: 34, b: 44 };
  const legendH = 40;
  const width = W * cols;
  const height = legendH + H * Math.ceil(PANELS.length / cols);
  const maxN = Math.max(...results.ns);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  // Legend.
  let lx = 20;
  for (const v of VARIANTS) {
    const dash = v.id === FLOOR ? ` stroke-dasharray="6 4"` : "";
    parts.push(`<line x1="${lx}" y1="22" x2="${lx + 28}" y2="22" stroke="${v.color}" stroke-width="2.5"${dash}/>`);
    parts.push(`<circle cx="${lx + 14}" cy="22" r="3.5" fill="${v.color}"/>`);
    parts.push(`<text x="${lx + 36}" y="26" fill="#222">${esc(v.label)}</text>`);
    lx += 44 + v.label.length * 6.5;
  }
  parts.push(
    `<text x="${width - 16}" y="26" fill="#555" text-anchor="end">median wall time (s) against N; whiskers: range over runs</text>`,
  );

  PANELS.forEach((scenario, i) => {
    const ox = (i % cols) * W;
    const oy = legendH + Math.floor(i / cols) * H;
    const pw = W - m.l - m.r;
    const ph = H - m.t - m.b;
    const series = VARIANTS.map((v) => ({
      v,
      points: results.ns
        .map((n) => {
          const ms = results.measurements
            .filter((x) => x.code === 0 && x.variant === v.id && x.scenario === scenario && x.n === n)
            .map((x) => x.ms / 1000);
          return ms.length ? { n, y: med(ms), lo: Math.min(...ms), hi: Math.max(...ms) } : undefined;
        })
        .filter((p): p is { n: number; y: number; lo: number; hi: number } => p !== undefined),
    }));
    const yMax = niceCeil(Math.max(0.1, ...series.flatMap((sr) => sr.points.map((p) => p.hi))));
    const X = (n: number) => ox + m.l + (n / maxN) * pw;
    const Y = (y: number) => oy + m.t + ph - (y / yMax) * ph;
    const label = SCENARIOS.find((x) => x.id === scenario)?.label ?? scenario;
    parts.push(
      `<text x="${ox + m.l}" y="${oy + 20}" font-weight="600" font-size="14" fill="#111">${esc(label)}</text>`,
    );
    // Grid and y axis.
    for (let k = 0; k <= 5; k++) {
      const y = (yMax * k) / 5;
      const py = Y(y).toFixed(1);
      parts.push(`<line x1="${ox + m.l}" y1="${py}" x2="${ox + m.l + pw}" y2="${py}" stroke="#e6e6e6"/>`);
      parts.push(
        `<text x="${ox + m.l - 6}" y="${(Y(y) + 4).toFixed(1)}" text-anchor="end" fill="#444">${Number(y.toFixed(2))}</text>`,
      );
    }
    parts.push(
      `<line x1="${ox + m.l}" y1="${oy + m.t + ph}" x2="${ox + m.l + pw}" y2="${oy + m.t + ph}" stroke="#888"/>`,
    );
    parts.push(`<line x1="${ox + m.l}" y1="${oy + m.t}" x2="${ox + m.l}" y2="${oy + m.t + ph}" stroke="#888"/>`);
    for (const n of results.ns) {
      parts.push(`<text x="${X(n).toFixed(1)}" y="${oy + m.t + ph + 16}" text-anchor="middle" fill="#444">${n}</text>`);
    }
    parts.push(
      `<text x="${ox + m.l + pw / 2}" y="${oy + H - 8}" text-anchor="middle" fill="#444">N (resources)</text>`,
    );
    parts.push(
      `<text transform="translate(${ox + 16},${oy + m.t + ph / 2}) rotate(-90)" text-anchor="middle" fill="#444">seconds</text>`,
    );
    for (const { v, points } of series) {
      if (!points.length) continue;
      const dash = v.id === FLOOR ? ` stroke-dasharray="6 4"` : "";
      const d = points.map((p, j) => `${j ? "L" : "M"}${X(p.n).toFixed(1)},${Y(p.y).toFixed(1)}`).join(" ");
      parts.push(`<path d="${d}" fill="none" stroke="${v.color}" stroke-width="2.5"${dash}/>`);
      for (const p of points) {
        const x = X(p.n).toFixed(1);
        parts.push(
          `<line x1="${x}" y1="${Y(p.lo).toFixed(1)}" x2="${x}" y2="${Y(p.hi).toFixed(1)}" stroke="${v.color}" stroke-width="1.5" opacity="0.7"/>`,
        );
        parts.push(
          `<circle cx="${x}" cy="${Y(p.y).toFixed(1)}" r="3.5" fill="${v.color}"><title>${esc(`${v.label}, ${label}, N=${p.n}: ${p.y.toFixed(2)} s`)}</title></circle>`,
        );
      }
    }
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
