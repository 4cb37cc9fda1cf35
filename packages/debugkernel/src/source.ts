/** Which Debian source package a debug kernel of a series is built from, and with which compiler. */
import { UsageError } from '@cgpu/common';
import { loadCatalogue, resolvePackage, type CatalogueOptions, type DebRef, type KernelEntry } from '@cgpu/kernels';

export interface DebugSource {
  series: string;
  /** The stock amd64 kernel of that series in the chosen suite: its compiler and builder image are ours. */
  stock: KernelEntry;
  /** `linux-source-<series>` (arch all): a tar.xz of the Debian-patched tree. */
  deb: DebRef;
}

export function parseSeries(series: string): string {
  if (!/^\d+\.\d+$/.test(series)) {
    throw new UsageError({ code: 'BAD_SERIES', message: `"${series}" is not a kernel series`, hint: 'give a series such as 6.12' });
  }
  return series;
}

/**
 * The suite is the one whose stock kernel of the series is built with its own compiler: a release suite
 * (trixie for 6.12) before backports, so the builder image is that suite's plain toolchain.
 */
export async function findDebugSource(series: string, opts: CatalogueOptions = {}): Promise<DebugSource> {
  parseSeries(series);
  const all = (await loadCatalogue(opts)).filter((e) => e.series === series && e.arch === 'amd64' && e.flavour === 'amd64');
  const ranked = all.sort((a, b) => Number(a.suite !== a.baseSuite) - Number(b.suite !== b.baseSuite) || b.debian - a.debian);
  for (const stock of ranked) {
    try {
      const deb = await resolvePackage(stock.suite, 'amd64', `linux-source-${series}`);
      return { series, stock, deb };
    } catch {
      // not in this suite: try the next
    }
  }
  throw new UsageError({
    code: 'DEBUG_SOURCE_MISSING',
    message: `no Debian suite here has both an amd64 ${series} kernel and linux-source-${series}`,
    hint: 'see `cgpu kernels list` for the series the archive has',
  });
}
