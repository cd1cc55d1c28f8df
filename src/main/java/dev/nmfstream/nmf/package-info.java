/**
 * The math of online NMF as a plain library: columns, the basis and its Gram matrix, exact NNLS,
 * sufficient statistics, HALS and MU updates, initialisation and kernels; the library learner
 * ({@link dev.nmfstream.nmf.OnlineNmf}). Imports java.* and EJML only.
 */
package dev.nmfstream.nmf;
