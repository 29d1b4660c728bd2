# Reference values for tests/test_drivers.py, computed with base R (lm, glm, eigen) by brute force:
# one lm()/glm() per subset. Run from tests/data:  Rscript drivers_reference.R > drivers_r_reference.csv
# (R 4.2.2; swiss from R's datasets package; the other inputs are the drivers_*.csv fixtures.)
options(digits = 15)
out <- function(case, metric, key, value) cat(sprintf("%s,%s,%s,%.15g\n", case, metric, key, value))
cat("case,metric,key,value\n")

masks <- function(p) lapply(0:(2^p - 1), function(m) which(bitwAnd(m, 2^(0:(p - 1))) > 0))

all_fit <- function(d, y, xs, w = NULL, family = NULL, index = "mcfadden") {
  p <- length(xs)
  sapply(masks(p), function(s) {
    f <- if (length(s)) reformulate(xs[s], y) else as.formula(paste(y, "~ 1"))
    if (is.null(family)) {
      if (!length(s)) return(0)
      fit <- if (is.null(w)) lm(f, data = d) else lm(f, data = d, weights = w)
      return(summary(fit)$r.squared)
    }
    fit <- suppressWarnings(glm(f, data = d, family = family))
    f0 <- suppressWarnings(glm(as.formula(paste(y, "~ 1")), data = d, family = family))
    l1 <- as.numeric(logLik(fit)); l0 <- as.numeric(logLik(f0)); n <- nrow(d)
    if (index == "mcfadden") return(1 - l1 / l0)
    cs <- 1 - exp(2 * (l0 - l1) / n)
    if (index == "nagelkerke") return(cs / (1 - exp(2 * l0 / n)))
    cs
  })
}

dominance_stats <- function(r2, p) {
  # conditional C_j(k), k = 0..p-1 other drivers; general = mean over k
  M <- masks(p)
  size <- sapply(M, length)
  C <- matrix(0, p, p)
  for (j in 1:p) for (k in 0:(p - 1)) {
    idx <- which(size == k & sapply(M, function(s) !(j %in% s)))
    C[j, k + 1] <- mean(r2[idx + 2^(j - 1)] - r2[idx])
  }
  C
}

complete <- function(r2, p) {
  D <- matrix(NA, p, p); M <- masks(p)
  for (i in 1:p) for (j in 1:p) if (i != j) {
    idx <- which(sapply(M, function(s) !(i %in% s) && !(j %in% s)))
    d <- r2[idx + 2^(i - 1)] - r2[idx + 2^(j - 1)]
    D[i, j] <- if (all(d > 0)) 1 else if (all(d < 0)) 0 else 0.5
  }
  D
}

rw <- function(R) {
  p <- nrow(R) - 1; Rxx <- R[1:p, 1:p]; rxy <- R[1:p, p + 1]
  e <- eigen(Rxx, symmetric = TRUE)
  L <- e$vectors %*% diag(sqrt(e$values)) %*% t(e$vectors)
  b <- solve(L, rxy)
  as.vector(L^2 %*% b^2)
}

report <- function(case, d, y, xs, w = NULL) {
  p <- length(xs); r2 <- all_fit(d, y, xs, w)
  C <- dominance_stats(r2, p); G <- rowMeans(C); D <- complete(r2, p)
  out(case, "r2", "all", r2[2^p])
  for (j in 1:p) {
    out(case, "lmg", xs[j], G[j])
    for (k in 1:p) out(case, paste0("cond", k), xs[j], C[j, k])
    for (i in 1:p) if (i != j) out(case, paste0("complete_", xs[i]), xs[j], D[i, j])
  }
  X <- as.matrix(d[, xs]); Y <- d[[y]]
  R <- if (is.null(w)) cor(cbind(X, Y)) else cov2cor(cov.wt(cbind(X, Y), wt = w / sum(w))$cov)
  Rxx <- R[1:p, 1:p]; rxy <- R[1:p, p + 1]; b <- solve(Rxx, rxy); Ri <- solve(Rxx)
  v <- rw(R)
  for (j in 1:p) {
    out(case, "rw", xs[j], v[j]); out(case, "first", xs[j], rxy[j]^2)
    out(case, "last", xs[j], r2[2^p] - r2[2^p - 2^(j - 1)])
    out(case, "betasq", xs[j], b[j]^2); out(case, "pratt", xs[j], b[j] * rxy[j])
  }
}

sw <- swiss
report("swiss", sw, "Fertility", setdiff(names(sw), "Fertility"))
report("swiss_w", sw, "Fertility", setdiff(names(sw), "Fertility"), w = 1 + (1:47 %% 4))

med <- read.csv("drivers_mediation.csv")
report("med2", med, "Y", c("X", "M"))
report("med3", med, "Y", c("X", "M", "Ybin"))

sv <- read.csv("drivers_survey.csv")
xs <- c("quality", "reliability", "speed", "price", "courtesy", "billing")
report("survey", sv, "overall", xs)
report("survey_w", sv, "overall", xs, w = sv$weight)

# pairwise correlations (rows with a missing outcome dropped first, as R rwa)
sm <- read.csv("drivers_survey_missing.csv"); sm <- sm[!is.na(sm$overall), ]
Rp <- cor(sm[, c(xs, "overall")], use = "pairwise.complete.obs")
v <- rw(Rp); for (j in 1:6) out("survey_pairwise", "rw", xs[j], v[j])
out("survey_pairwise", "n", "all", nrow(sm))

# binary outcome: McFadden / Nagelkerke dominance from glm, logistic relative weights (rwa_logit)
bx <- c("quality", "reliability", "speed", "price", "courtesy")
for (idx in c("mcfadden", "nagelkerke")) {
  r2 <- all_fit(sv, "repurchase", bx, family = binomial, index = idx)
  C <- dominance_stats(r2, 5); D <- complete(r2, 5)
  out(paste0("binary_", idx), "r2", "all", r2[32])
  for (j in 1:5) {
    out(paste0("binary_", idx), "lmg", bx[j], mean(C[j, ]))
    for (k in 1:5) out(paste0("binary_", idx), paste0("cond", k), bx[j], C[j, k])
    for (i in 1:5) if (i != j) out(paste0("binary_", idx), paste0("complete_", bx[i]), bx[j], D[i, j])
  }
}
X <- scale(as.matrix(sv[, bx])); Y <- sv$repurchase
s <- svd(X); Z <- scale(s$u %*% t(s$v))
Lambda <- solve(t(Z) %*% Z) %*% t(Z) %*% X
fit <- glm(Y ~ Z, family = binomial); b <- coef(fit)[-1]
ph <- fitted(fit); eta <- log(ph / (1 - ph))
beta <- b * sqrt(summary(lm(ph ~ Y))$r.squared) / sd(eta)
eps <- as.vector(Lambda^2 %*% beta^2)
for (j in 1:5) out("binary_rw", "rw", bx[j], eps[j])
out("binary_rw", "r2", "all", sum(eps))

# penalty-reward: low = rating <= 2, high = rating >= 4, middle 3 the reference
pr_design <- function(d) {
  D <- data.frame(overall = d$overall)
  for (x in xs) { D[[paste0(x, "_lo")]] <- as.numeric(d[[x]] <= 2); D[[paste0(x, "_hi")]] <- as.numeric(d[[x]] >= 4) }
  D
}
D <- pr_design(sv)
for (case in c("pr", "pr_w")) {
  fit <- if (case == "pr") lm(overall ~ ., data = D) else lm(overall ~ ., data = D, weights = sv$weight)
  cf <- coef(summary(fit))
  for (x in xs) {
    out(case, "low_coef", x, cf[paste0(x, "_lo"), 1]); out(case, "high_coef", x, cf[paste0(x, "_hi"), 1])
    out(case, "penalty_p", x, cf[paste0(x, "_lo"), 4]); out(case, "reward_p", x, cf[paste0(x, "_hi"), 4])
  }
  out(case, "r2", "all", summary(fit)$r.squared)
}
