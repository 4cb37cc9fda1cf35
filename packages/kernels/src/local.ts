/** Kernels built here rather than fetched as .debs (the debug kernel): where their files are. */

/** A kernel whose image, config and headers tree are local files, not packages of the archive. */
export interface LocalKernel {
  /** Directory holding the files below (a cache entry). */
  dir: string;
  vmlinuz: string;
  config: string;
  systemMap: string;
  /** A build tree usable by `make -C <headers> M=...` (Module.symvers included). */
  headers: string;
  /** Content key of the build (config fragment + source package): names its image layer. */
  key: string;
}
