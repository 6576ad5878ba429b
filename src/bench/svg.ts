// Minimal SVG charts drawn as strings, for a report page that needs no script and no network:
// a line chart (one line per series) and a grouped bar chart.

export interface Series {
  readonly name: string
  readonly points: readonly (readonly [number, number])[]
}

export interface LineChartOptions {
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  readonly series: readonly Series[]
  /** Tick labels for x values; plain numbers by default. */
  readonly xTick?: (x: number) => string
  /** The x values to put ticks at; five even ones by default. */
  readonly xTicks?: readonly number[]
}

export interface BarChartOptions {
  readonly title: string
  readonly yLabel: string
  /** The groups along the x axis (e.g. `get p99`). */
  readonly groups: readonly string[]
  /** One bar per series in each group. */
  readonly series: readonly { readonly name: string; readonly values: readonly number[] }[]
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf']

const WIDTH = 760
const HEIGHT = 340
const M = { left: 70, right: 20, top: 36, bottom: 64 }
const plotW = WIDTH - M.left - M.right
const plotH = HEIGHT - M.top - M.bottom

export const escapeXml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

const num = (v: number): string => (Math.round(v * 10) / 10).toString()

/** A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten, at least `max`. */
export const niceCeiling = (max: number): number => {
  if (!(max > 0)) return 1
  const power = Math.pow(10, Math.floor(Math.log10(max)))
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power
  return 10 * power
}

const shortNumber = (v: number): string =>
  v >= 1e6 ? `${num(v / 1e6)}M` : v >= 1e3 ? `${num(v / 1e3)}k` : v >= 1 || v === 0 ? num(v) : v.toPrecision(2)

const frame = (title: string, yLabel: string, xLabel: string, body: string, legend: readonly string[]): string => {
  const legendItems = legend
    .map((name, i) => {
      const x = M.left + i * 170
      return `<rect x="${x}" y="${HEIGHT - 18}" width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/>` +
        `<text x="${x + 16}" y="${HEIGHT - 8}" font-size="12">${escapeXml(name)}</text>`
    })
    .join('')
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeXml(title)}" font-family="sans-serif">` +
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>` +
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>` +
    `<text transform="translate(16 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(yLabel)}</text>` +
    `<text x="${M.left + plotW / 2}" y="${HEIGHT - 30}" text-anchor="middle" font-size="12">${escapeXml(xLabel)}</text>` +
    body +
    legendItems +
    `</svg>`
  )
}

const yAxis = (yMax: number): string => {
  let out = ''
  for (let i = 0; i <= 5; i++) {
    const v = (yMax * i) / 5
    const y = M.top + plotH - (plotH * i) / 5
    out += `<line x1="${M.left}" x2="${M.left + plotW}" y1="${num(y)}" y2="${num(y)}" stroke="#ddd"/>`
    out += `<text x="${M.left - 6}" y="${num(y + 4)}" text-anchor="end" font-size="11">${shortNumber(v)}</text>`
  }
  return out + `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + plotH}" stroke="#333"/>`
}

export const lineChart = (o: LineChartOptions): string => {
  const xs = o.series.flatMap((s) => s.points.map((p) => p[0]))
  const ys = o.series.flatMap((s) => s.points.map((p) => p[1]))
  const xMin = xs.length === 0 ? 0 : Math.min(...xs)
  const xMax = xs.length === 0 ? 1 : Math.max(...xs, xMin + 1e-9)
  const yMax = niceCeiling(ys.length === 0 ? 1 : Math.max(...ys))
  const sx = (x: number): number => M.left + ((x - xMin) / (xMax - xMin || 1)) * plotW
  const sy = (y: number): number => M.top + plotH - (y / yMax) * plotH
  const ticks = o.xTicks ?? Array.from({ length: 6 }, (_, i) => xMin + ((xMax - xMin) * i) / 5)
  let body = yAxis(yMax)
  for (const t of ticks) {
    body += `<line x1="${num(sx(t))}" x2="${num(sx(t))}" y1="${M.top + plotH}" y2="${M.top + plotH + 4}" stroke="#333"/>`
    body += `<text x="${num(sx(t))}" y="${M.top + plotH + 17}" text-anchor="middle" font-size="11">${escapeXml(o.xTick ? o.xTick(t) : shortNumber(t))}</text>`
  }
  body += `<line x1="${M.left}" x2="${M.left + plotW}" y1="${M.top + plotH}" y2="${M.top + plotH}" stroke="#333"/>`
  o.series.forEach((s, i) => {
    if (s.points.length === 0) return
    const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${num(sx(p[0]))} ${num(sy(p[1]))}`).join(' ')
    body += `<path class="series" d="${d}" fill="none" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="2"/>`
  })
  return frame(o.title, o.yLabel, o.xLabel, body, o.series.map((s) => s.name))
}

export const barChart = (o: BarChartOptions): string => {
  const yMax = niceCeiling(Math.max(0, ...o.series.flatMap((s) => s.values)))
  const groupW = plotW / Math.max(1, o.groups.length)
  const barW = (groupW * 0.8) / Math.max(1, o.series.length)
  let body = yAxis(yMax)
  o.groups.forEach((group, g) => {
    const x0 = M.left + g * groupW + groupW * 0.1
    o.series.forEach((s, i) => {
      const v = s.values[g] ?? 0
      const h = (v / yMax) * plotH
      body += `<rect class="bar" x="${num(x0 + i * barW)}" y="${num(M.top + plotH - h)}" width="${num(Math.max(1, barW - 2))}" height="${num(h)}" fill="${PALETTE[i % PALETTE.length]}"><title>${escapeXml(`${s.name} ${group}: ${v}`)}</title></rect>`
    })
    body += `<text x="${num(x0 + groupW * 0.4)}" y="${M.top + plotH + 17}" text-anchor="middle" font-size="11">${escapeXml(group)}</text>`
  })
  body += `<line x1="${M.left}" x2="${M.left + plotW}" y1="${M.top + plotH}" y2="${M.top + plotH}" stroke="#333"/>`
  return frame(o.title, o.yLabel, '', body, o.series.map((s) => s.name))
}
