// How many bytes a written value has: a fixed `N` or a uniform `min-max` range.

import type { Random } from './random.js'

export interface ValueSize {
  readonly min: number
  readonly max: number
}

export const parseValueSize = (text: string): ValueSize => {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text)
  if (!m) throw new Error(`invalid value size ${JSON.stringify(text)}: use N or min-max`)
  const min = Number(m[1])
  const max = m[2] === undefined ? min : Number(m[2])
  if (max < min) throw new Error(`invalid value size ${JSON.stringify(text)}: max is below min`)
  return { min, max }
}

export const formatValueSize = (size: ValueSize): string => (size.min === size.max ? String(size.min) : `${size.min}-${size.max}`)

/** A source of value lengths, uniform over [min, max]. */
export const valueLengthSource = (size: ValueSize, random: Random): (() => number) =>
  size.min === size.max ? () => size.min : () => size.min + Math.floor(random() * (size.max - size.min + 1))
