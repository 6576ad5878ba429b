// HDR histograms of latency in microseconds (hdr-histogram-js), and their compact text form for
// moving between threads and into reports.

import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js'

export type { Histogram }

/** One hour: the longest latency a histogram tracks. */
const HIGHEST_MICROS = 3_600_000_000

/** Three significant digits over 1 µs .. 1 h: 0.1 % precision, as redis-benchmark and wrk2 keep. */
export const latencyHistogram = (significantDigits: 1 | 2 | 3 = 3): Histogram =>
  build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_MICROS, numberOfSignificantValueDigits: significantDigits })

/** A latency in milliseconds as the integer microseconds histograms hold: at least 1, at most 1 h. */
export const toMicros = (ms: number): number => (ms < 0.001 ? 1 : ms >= HIGHEST_MICROS / 1000 ? HIGHEST_MICROS : Math.round(ms * 1000))

export const encodeHistogram = (histogram: Histogram): string => encodeIntoCompressedBase64(histogram)

export const decodeHistogram = (encoded: string): Histogram => decodeFromCompressedBase64(encoded, 32, false)

/** The latency at a percentile (0–100), in milliseconds. */
export const percentileMs = (histogram: Histogram, percentile: number): number =>
  histogram.totalCount === 0 ? 0 : histogram.getValueAtPercentile(percentile) / 1000

export interface LatencySummary {
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly p999: number
  readonly max: number
  readonly mean: number
}

/** The percentiles the reports print, in milliseconds. */
export const summarize = (histogram: Histogram): LatencySummary => ({
  p50: percentileMs(histogram, 50),
  p90: percentileMs(histogram, 90),
  p99: percentileMs(histogram, 99),
  p999: percentileMs(histogram, 99.9),
  max: histogram.totalCount === 0 ? 0 : histogram.maxValue / 1000,
  mean: histogram.totalCount === 0 ? 0 : histogram.mean / 1000,
})

/** Latency at a logarithmic ladder of percentiles (0, 50, 75, 87.5, … up to 99.9999 and 100). */
export const percentileSpectrum = (histogram: Histogram): { percentile: number; ms: number }[] => {
  if (histogram.totalCount === 0) return []
  const points: { percentile: number; ms: number }[] = []
  for (let step = 0; step <= 20; step++) {
    const percentile = 100 - 100 / Math.pow(2, step)
    points.push({ percentile, ms: percentileMs(histogram, percentile) })
  }
  points.push({ percentile: 100, ms: histogram.maxValue / 1000 })
  return points
}
