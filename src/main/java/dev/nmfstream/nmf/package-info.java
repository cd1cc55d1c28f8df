/**
 * The math of online NMF as a plain library: columns, the basis and its Gram matrix, exact NNLS,
 * sufficient statistics, HALS and MU updates, initialisation and kernels; the model and its update
 * ({@link dev.nmfstream.nmf.ModelState}, what the streaming updater keeps), the library learner
 * built on it ({@link dev.nmfstream.nmf.OnlineNmf}) and their state format
 * ({@link dev.nmfstream.nmf.StateCodec}). Imports java.* and EJML only.
 */
package dev.nmfstream.nmf;
