#!/usr/bin/env node
// node bench/html-screenshot.mjs report.html [out.png]
// Opens a `bench --html` report in headless Chromium (Debian's `chromium` package, driven by
// playwright-core with no browser download) and writes a full-page PNG, to check that the charts
// render. Fails when the page lacks its three charts or any chart has nothing drawn in it.
// CHROMIUM overrides the browser path (default /usr/bin/chromium). Not part of CI.
import { chromium } from 'playwright-core'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const [input, output = input?.replace(/\.html?$/, '') + '.png'] = process.argv.slice(2)
if (!input) {
  console.error('usage: node bench/html-screenshot.mjs report.html [out.png]')
  process.exit(2)
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
})
try {
  const page = await browser.newPage({ viewport: { width: 860, height: 1200 } })
  // The page must need nothing from the network: any request other than the file itself fails the check.
  const external = []
  page.on('request', (r) => { if (!r.url().startsWith('file:')) external.push(r.url()) })
  await page.goto(pathToFileURL(resolve(input)).href)
  const charts = await page.$$eval('svg', (svgs) => svgs.map((s) => ({
    label: s.getAttribute('aria-label'),
    width: s.getBoundingClientRect().width,
    marks: s.querySelectorAll('path.series, rect.bar').length,
  })))
  await page.screenshot({ path: output, fullPage: true })
  console.log(`wrote ${output}`)
  for (const c of charts) console.log(`  ${c.label}: ${c.marks} marks, ${Math.round(c.width)} px wide`)
  const blank = charts.filter((c) => c.marks === 0 || c.width < 100)
  if (charts.length !== 3 || blank.length > 0 || external.length > 0) {
    console.error(`charts missing or empty (${charts.length} charts, ${blank.length} empty), external requests: ${external.join(' ') || 'none'}`)
    process.exitCode = 1
  }
} finally {
  await browser.close()
}
