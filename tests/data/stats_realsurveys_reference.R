# Reference values of the small-unit, improper-CFA and sparse penalty-reward tests
# (tests/test_reliability.py SMALL, tests/test_cfa.py IMPROPER, tests/test_stats_realsurveys.py PR).
# R 4.2.2, psych 2.2.9, lavaan 0.6.14 (Debian bookworm). Run from tests/data: Rscript stats_realsurveys_reference.R
suppressMessages({library(psych); library(lavaan)})
options(digits = 15)

## 1. Small unit: 11 items on 0-10, 9 complete rows + 3 rows with one missing answer
x <- read.csv("reliability_small_unit.csv")
cc <- na.omit(x)
a <- alpha(cc)
print(a$total)                                                # raw/std alpha, average_r, S/N, ase
f <- alpha.ci(a$total$raw_alpha, nrow(cc), ncol(cc)); cat("feldt", f$lower.ci, f$upper.ci, "\n")
f90 <- alpha.ci(a$total$raw_alpha, nrow(cc), ncol(cc), p.val = 0.10)
cat("feldt90", f90$lower.ci, f90$upper.ci, "\n")
cat("duhachek", a$total$raw_alpha - 1.96 * a$total$ase, a$total$raw_alpha + 1.96 * a$total$ase, "\n")
print(a$alpha.drop); print(a$item.stats)
ap <- alpha(x)                                                # pairwise, 12 input rows
print(ap$total); fp <- alpha.ci(ap$total$raw_alpha, nrow(x), ncol(x)); cat("feldt", fp$lower.ci, fp$upper.ci, "\n")
s <- splitHalf(cc, check.keys = FALSE)
cat("lambda4", s$maxrb, "beta", s$minrb, "lambda2", s$lambda2, "\n")
two <- cc[c(1, 5), ]; k <- ncol(two); C <- cov(two); a2 <- k / (k - 1) * (1 - sum(diag(C)) / sum(C))
f2 <- alpha.ci(a2, 2, k); cat("two rows", a2, f2$lower.ci, f2$upper.ci, "\n")

## 2. Improper CFA solution (250 respondents, 15 items on 0-10)
d <- read.csv("cfa_improper.csv")
m <- 'IMAG =~ IMAG1 + IMAG2 + IMAG3
      EXPE =~ EXPE1 + EXPE2 + EXPE3
      QUAL =~ QUAL1 + QUAL2 + QUAL3
      SAT  =~ SAT1 + SAT2 + SAT3
      LOY  =~ LOY1 + LOY2 + LOY3'
fit <- cfa(m, data = d)              # warns: negative ov variances; cov.lv not positive definite
p <- function(...) cat(sprintf("%.12g", c(...)), "\n")
p(fitMeasures(fit, c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr")))
ss <- standardizedSolution(fit); p(ss$est.std[ss$op == "=~"])
pe <- parameterEstimates(fit); p(pe$est[pe$op == "~~" & pe$lhs == pe$rhs][1:15])
cl <- lavInspect(fit, "cor.lv"); p(cl[lower.tri(cl)]); p(eigen(cl)$values)
p(diag(lavInspect(fit, "cov.lv")))

## 3. Penalty-reward, reduced design (0-10: boxes 0-4 / 9-10, min_cell = 5)
x <- read.csv("penalty_reward_small_0to10.csv")
lo <- function(v) as.numeric(v <= 4); hi <- function(v) as.numeric(v >= 9)
dd <- data.frame(overall = x$overall,
                 A_high = hi(x$A),                  # A_low: 2 answers < 5, left out
                 B_low = lo(x$B), B_high = hi(x$B),
                 C_low = lo(x$C), C_high = hi(x$C), # C_high = B_high: aliased (NA)
                 E_low = lo(x$E))                   # E_high: 0 answers; D: no middle box
fit <- lm(overall ~ ., data = dd); s <- summary(fit)
print(coef(fit)); print(s$coefficients); cat("r2", s$r.squared, "\n")
b <- coef(fit); bb <- b[!is.na(b)]; V <- vcov(fit)[!is.na(b), !is.na(b)]
cv <- c(0, 0, -sign(bb[["B_low"]]), 1, 0, 0)     # |pi_B| = rho_B
est <- sum(cv * bb); se <- sqrt(drop(cv %*% V %*% cv))
cat("B asymmetry p", 2 * pt(abs(est / se), fit$df.residual, lower.tail = FALSE), "\n")
ww <- (seq_len(nrow(dd)) %% 3) + 1
wfit <- lm(overall ~ ., data = dd, weights = ww)
print(coef(wfit)); print(summary(wfit)$coefficients[, 4])
yb <- sum(ww * dd$overall) / sum(ww)
cat("weighted r2", 1 - sum(ww * residuals(wfit)^2) / sum(ww * (dd$overall - yb)^2), "\n")
