// BBOB functions: instance values against published COCO numbers, structural properties.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "l2l/core/rng.hpp"
#include "l2l/optimizees/bbob/bbob_functions.hpp"
#include "l2l/optimizees/bbob/bbob_optimizee.hpp"

namespace {

using l2l::bbob::Problem;

struct Reference {
  int function;
  int instance;
  std::vector<double> x;
  double f;
};

// Function values in 5-D of the COCO "bbob" suite (as published with IOHexperimenter's test data,
// tests/static/bbobfitness5.in, which was generated from COCO's C code): f(0) and f at one random
// point for instances 1 and 3 of every function.
const std::vector<Reference>& references_5d() {
  static const std::vector<Reference> r = {
      {1, 1, {0, 0, 0, 0, 0}, 92.30397568},
      {1, 1, {-4.999921736, -3.684622119, 2.556053222, -0.4134986808, 0.3276723741}, 138.7457513},
      {1, 3, {0, 0, 0, 0, 0}, -208.9331117},
      {1, 3, {2.664947779, -0.22268235, -2.622255663, -2.250931597, -1.407350207}, -196.4880549},
      {2, 1, {0, 0, 0, 0, 0}, 3674431.691},
      {2, 1, {2.098195929, 4.378972994, -2.600891952, -3.191040912, -1.824604635}, 13919951.92},
      {2, 3, {0, 0, 0, 0, 0}, 9233928.077},
      {2, 3, {-1.346609712, -2.469426364, -3.648906317, 2.831531688, -0.4469271588}, 8232296.53},
      {3, 1, {0, 0, 0, 0, 0}, -335.0031143},
      {3, 1, {-4.994049575, -4.991210001, 2.733520161, 2.2733499, -1.808224119}, -145.448061},
      {3, 3, {0, 0, 0, 0, 0}, 545.8678994},
      {3, 3, {1.962428119, 2.52940413, 1.69520642, 1.334299066, -4.435593374}, 251.1104428},
      {4, 1, {0, 0, 0, 0, 0}, -343.8990343},
      {4, 1, {2.06949951, 2.078263009, -0.6336155048, 0.824211168, 2.51710093}, -353.1249674},
      {4, 3, {0, 0, 0, 0, 0}, 361.3987506},
      {4, 3, {-3.496884666, -2.14057614, 3.336821347, 1.956373997, 0.7777599598}, 3185.062167},
      {5, 1, {0, 0, 0, 0, 0}, 98.60985161},
      {5, 1, {1.166104281, -1.285342535, -2.751988046, -2.663085017, 1.53011598}, 138.7087832},
      {5, 3, {0, 0, 0, 0, 0}, 174.5298516},
      {5, 3, {3.365978337, 1.997911025, -1.109397726, 4.352416019, 1.056025515}, 164.0252716},
      {6, 1, {0, 0, 0, 0, 0}, 55101.9011},
      {6, 1, {-4.683612082, 2.531737721, 0.9158820081, 3.228910322, -1.704211294}, 13632.50591},
      {6, 3, {0, 0, 0, 0, 0}, 160467.6113},
      {6, 3, {-4.736603126, 1.911264559, 2.623438862, 2.136953248, -4.226756822}, 89712.37336},
      {7, 1, {0, 0, 0, 0, 0}, 106.0551399},
      {7, 1, {-4.951843913, 4.359359406, -2.246469468, 3.587659266, -2.210714327}, 1193.727391},
      {7, 3, {0, 0, 0, 0, 0}, 736.8181111},
      {7, 3, {3.032678179, 0.2221464995, 3.616217765, -2.228018389, 3.694940716}, 85.7583342},
      {8, 1, {0, 0, 0, 0, 0}, 1476.207257},
      {8, 1, {0.7567919724, -0.5973191679, 0.8567459257, -0.6712273442, -1.317973275}, 3340.720181},
      {8, 3, {0, 0, 0, 0, 0}, 14584.53041},
      {8, 3, {1.659731975, -4.884693948, 2.948807589, 0.6091441985, -2.11345537}, 53503.8494},
      {9, 1, {0, 0, 0, 0, 0}, 149.83},
      {9, 1, {4.414289714, 0.9672315307, -3.739663846, -2.530263149, 3.867255416}, 9716.704856},
      {9, 3, {0, 0, 0, 0, 0}, 81.34},
      {9, 3, {-3.729123915, 4.614361371, 3.571557928, -2.825901703, -4.929920584}, 202019.966},
      {10, 1, {0, 0, 0, 0, 0}, 6036865.922},
      {10, 1, {-1.19372397, -2.918766866, 4.285276411, 2.640635785, 1.165630899}, 14397431.27},
      {10, 3, {0, 0, 0, 0, 0}, 28686.48904},
      {10, 3, {1.120577499, 3.546031182, -1.853924886, 1.08444453, -3.740778448}, 398209.0777},
      {11, 1, {0, 0, 0, 0, 0}, 5445766.046},
      {11, 1, {-4.18405272, -1.374069846, -3.991908603, -2.007888577, 3.416679361}, 1835013.885},
      {11, 3, {0, 0, 0, 0, 0}, 6739898.55},
      {11, 3, {3.579245554, -3.619980281, -1.008575645, -1.130870211, 3.464363738}, 65594219.42},
      {12, 1, {0, 0, 0, 0, 0}, 32757629.63},
      {12, 1, {0.4951500592, 1.98704542, -3.727628379, -0.2501580609, -4.406529953}, 23893797.67},
      {12, 3, {0, 0, 0, 0, 0}, 164171461.9},
      {12, 3, {0.1748220414, -1.765950516, -0.3303261592, -1.791757218, -4.063562541}, 38661054.93},
      {13, 1, {0, 0, 0, 0, 0}, 1078.086465},
      {13, 1, {-3.597409669, -1.664301114, -1.90881518, -1.456736557, -3.371320194}, 1239.909492},
      {13, 3, {0, 0, 0, 0, 0}, 1634.5029},
      {13, 3, {-2.004970832, 2.45522213, 4.918347304, 2.663133581, -0.7139039299}, 1762.05005},
      {14, 1, {0, 0, 0, 0, 0}, 11.30678814},
      {14, 1, {2.586989485, -0.4677177665, -0.9325017994, -2.557742441, 2.022796346}, 55.14614772},
      {14, 3, {0, 0, 0, 0, 0}, 83.10029306},
      {14, 3, {1.481543205, 0.2966459539, -4.271452403, -0.3005420628, -1.210448708}, 89.34455834},
      {15, 1, {0, 0, 0, 0, 0}, 1383.329774},
      {15, 1, {-2.995975524, -3.360634981, -2.192123838, -3.025350714, 2.930547883}, 2151.088465},
      {15, 3, {0, 0, 0, 0, 0}, 102.8962314},
      {15, 3, {2.827693926, -4.948184201, -4.131874102, -4.40802834, 4.267694805}, 263.9667252},
      {16, 1, {0, 0, 0, 0, 0}, 191.9174855},
      {16, 1, {3.235794137, 3.992066304, 4.658366791, 3.170653204, -0.8316074013}, 146.6675391},
      {16, 3, {0, 0, 0, 0, 0}, 298.2161148},
      {16, 3, {-0.4226753607, -3.904786556, 2.252345759, -4.824827253, -0.871637904}, 234.5394924},
      {17, 1, {0, 0, 0, 0, 0}, 9.747141552},
      {17, 1, {2.569503913, -4.347726931, -2.246521929, 2.705940505, -1.257926536}, 3.558257641},
      {17, 3, {0, 0, 0, 0, 0}, 290.0390299},
      {17, 3, {1.927572874, -3.282709154, -2.492742887, 4.470306081, 2.434295289}, 297.1758654},
      {18, 1, {0, 0, 0, 0, 0}, 77.76123986},
      {18, 1, {2.821748298, -4.876362598, 2.973823612, 1.053440369, -4.827722264}, 194.3229693},
      {18, 3, {0, 0, 0, 0, 0}, 360.156645},
      {18, 3, {-2.621418074, 1.826437054, -3.072439212, 1.514157432, -1.556034142}, 373.6012071},
      {19, 1, {0, 0, 0, 0, 0}, -102.2996263},
      {19, 1, {-0.6663795587, 0.1587569551, -1.771855045, 0.4322507956, 4.839122011}, -69.98734714},
      {19, 3, {0, 0, 0, 0, 0}, 214.2603737},
      {19, 3, {-0.9958688989, 2.431415747, 4.804454031, -1.541095784, -1.196844814}, 232.8226098},
      {20, 1, {0, 0, 0, 0, 0}, 6046.154473},
      {20, 1, {4.17023452, -0.8684290507, 4.312944556, -2.340842829, -2.545423288}, 43551.90868},
      {20, 3, {0, 0, 0, 0, 0}, 6801.034473},
      {20, 3, {-2.738642044, 1.643162396, -3.36960867, -3.012911881, 1.990010551}, 58087.70575},
      {21, 1, {0, 0, 0, 0, 0}, 75.32477296},
      {21, 1, {2.775979008, -4.120805463, 1.622577573, 0.6612771869, 4.085680213}, 101.6183834},
      {21, 3, {0, 0, 0, 0, 0}, -304.6552163},
      {21, 3, {4.010823033, -0.09727950445, -4.976631333, -2.242815568, 4.99875267}, -310.4974299},
      {22, 1, {0, 0, 0, 0, 0}, -919.4283013},
      {22, 1, {0.9617516193, 4.159466181, -1.851887692, -4.676442179, 3.036301801}, -923.6473735},
      {22, 3, {0, 0, 0, 0, 0}, 20.27722089},
      {22, 3, {-3.535568774, -2.304384549, 0.2088879073, 0.7790581257, 3.629918615}, 26.58798303},
      {23, 1, {0, 0, 0, 0, 0}, 13.58693924},
      {23, 1, {-3.64650919, 3.120037098, -1.536501649, -3.983216183, 4.085615906}, 31.45869044},
      {23, 3, {0, 0, 0, 0, 0}, -115.0153962},
      {23, 3, {-3.909612176, 1.148150706, -3.031087596, -3.489225702, -3.416367745}, -106.9498256},
      {24, 1, {0, 0, 0, 0, 0}, 171.4648454},
      {24, 1, {-4.803740331, 3.536258893, 3.903220319, 1.423896028, 1.420541357}, 224.4528909},
      {24, 3, {0, 0, 0, 0, 0}, 109.941736},
      {24, 3, {-0.6717644099, -0.3444379966, 1.030591957, 1.159026095, -0.2484249255}, 108.1630189},
  };
  return r;
}

TEST(Bbob, MatchesPublishedCocoValuesIn5D) {
  for (const auto& r : references_5d()) {
    const Problem p(r.function, 5, r.instance);
    const double f = p(r.x);
    // The references carry 10 significant digits, and so do the points: the rugged Weierstrass
    // (f16) and Griewank-Rosenbrock (f19) amplify that rounding of x up to 1e-7 relative.
    const double rel = (r.function == 16 || r.function == 19) ? 1e-6 : 1e-8;
    EXPECT_NEAR(f, r.f, rel * std::max(1.0, std::fabs(r.f)))
        << "f" << r.function << " instance " << r.instance;
  }
}

// Instance data of 2-D instance 1 as published with the cilib BBOB port (f_opt, x_opt) and in
// COCO's own tests (f1 at the origin is 80.88209408).
TEST(Bbob, InstanceOneIn2DMatchesPublishedOptima) {
  struct Opt {
    int f;
    double fopt;
    std::vector<double> xopt;
  };
  const std::vector<Opt> opts = {
      {1, 79.48, {0.2528, -1.1568}},   {2, -209.88, {1.2072, 0.448}},
      {3, -462.09, {-2.3408, 2.3}},    {4, -462.09, {2.3408, 2.3}},
      {5, -9.21, {5.0, 5.0}},          {6, 35.9, {2.7816, 1.1136}},
      {7, 92.94, {-0.2256, 0.736}},    {8, 149.15, {-0.0552, -0.3708}},
      {10, -54.94, {-1.7264, -1.508}}, {11, 76.27, {-0.9384, -3.1504}},
      {12, -621.11, {-0.892, 3.9912}}, {13, 29.97, {0.8744, -1.704}},
      {14, -52.35, {-0.872, -1.2448}}, {15, 1000.0, {-3.0568, 3.0016}},
      {16, 71.35, {1.8328, -2.1424}},  {17, -16.94, {3.656, 2.5496}},
      {18, -16.94, {3.656, 2.5496}},   {23, 6.87, {2.7672, 2.1248}},
  };
  for (const auto& o : opts) {
    const Problem p(o.f, 2, 1);
    EXPECT_DOUBLE_EQ(p.fopt(), o.fopt) << "f" << o.f;
    for (std::size_t i = 0; i < 2; ++i) EXPECT_NEAR(p.xopt()[i], o.xopt[i], 1e-12) << "f" << o.f;
  }
  EXPECT_DOUBLE_EQ(Problem(9, 2, 1).fopt(), 123.83);
  EXPECT_DOUBLE_EQ(Problem(19, 2, 1).fopt(), -102.55);
  EXPECT_DOUBLE_EQ(Problem(20, 2, 1).fopt(), -546.5);
  EXPECT_DOUBLE_EQ(Problem(24, 2, 1).fopt(), 102.61);
  // Signs of the Schwefel and Lunacek optima.
  EXPECT_LT(Problem(20, 2, 1).xopt()[0], 0.0);
  EXPECT_GT(Problem(20, 2, 1).xopt()[1], 0.0);
  EXPECT_LT(Problem(24, 2, 1).xopt()[0], 0.0);
  EXPECT_GT(Problem(24, 2, 1).xopt()[1], 0.0);
  // The rotation of f9 (seed 9 + 10000), published to 6 digits; it happens to be symmetric.
  const auto r = l2l::bbob::legacy_rotation(2, 10009);
  EXPECT_NEAR(std::fabs(r(0, 0)), 0.736528, 1e-6);
  EXPECT_NEAR(std::fabs(r(0, 1)), 0.676407, 1e-6);

  const std::vector<double> origin{0.0, 0.0}, p12{1.0, 2.0};
  EXPECT_NEAR(Problem(1, 2, 1)(origin), 80.88209408, 1e-9);
  EXPECT_NEAR(Problem(1, 2, 1)(p12), 90.00369408, 1e-9);
  EXPECT_NEAR(Problem(2, 2, 1)(origin), 207486.72423501048, 1e-6);
  EXPECT_NEAR(Problem(3, 2, 1)(origin), -383.06427743867573, 1e-9);
  EXPECT_NEAR(Problem(5, 2, 1)(origin), 45.79, 1e-9);
  EXPECT_NEAR(Problem(5, 2, 1)(p12), 24.79, 1e-9);
  EXPECT_NEAR(Problem(8, 2, 1)(origin), 155.776101642076185, 1e-9);
  EXPECT_NEAR(Problem(9, 2, 1)(origin), 130.33, 1e-9);
  EXPECT_NEAR(Problem(19, 2, 1)(origin), -102.29962625728024, 1e-9);
}

TEST(Bbob, OptimumIsAttainedAndNeverBeaten) {
  l2l::Rng rng(2024);
  for (int f = 1; f <= l2l::bbob::kFunctions; ++f) {
    for (std::size_t n : {2u, 5u, 20u}) {
      for (int inst : {1, 15}) {
        const Problem p(f, n, inst);
        const double at_opt = p(p.xopt());
        // Schwefel's optimum is the definition's approximation of 420.9687...; all others are
        // exact.
        const double tol = f == 20 ? 1e-7 : 1e-9;
        EXPECT_NEAR(at_opt, p.fopt(), tol) << "f" << f << " n=" << n << " i=" << inst;
        EXPECT_GE(p.fopt(), -1000.0);
        EXPECT_LE(p.fopt(), 1000.0);
        for (int k = 0; k < 40; ++k) {
          std::vector<double> x(n);
          for (auto& v : x) v = rng.uniform(-5.0, 5.0);
          EXPECT_GE(p(x), p.fopt() - 1e-9) << "f" << f << " n=" << n;
          // Close to the optimum as well, where mistakes in the transformations show first.
          std::vector<double> y = p.xopt();
          for (auto& v : y) v += rng.normal(0.0, 1e-3);
          EXPECT_GE(p(y), p.fopt() - tol) << "f" << f << " n=" << n;
        }
      }
    }
  }
}

TEST(Bbob, InstancesDifferAndAreReproducible) {
  for (int f = 1; f <= l2l::bbob::kFunctions; ++f) {
    const Problem a(f, 10, 1), b(f, 10, 2), c(f, 10, 1);
    EXPECT_EQ(a.xopt(), c.xopt());
    EXPECT_EQ(a.fopt(), c.fopt());
    const std::vector<double> x(10, 0.3);
    EXPECT_EQ(a(x), c(x));
    EXPECT_NE(a(x) - a.fopt(), b(x) - b.fopt()) << "f" << f;
  }
  // f4 and f18 share their offsets with f3 and f17 by definition.
  EXPECT_EQ(Problem(4, 5, 7).fopt(), Problem(3, 5, 7).fopt());
  EXPECT_EQ(Problem(18, 5, 7).fopt(), Problem(17, 5, 7).fopt());
}

TEST(Bbob, RotationsAreOrthogonal) {
  for (std::size_t n : {2u, 7u, 40u}) {
    const auto r = l2l::bbob::legacy_rotation(n, 12345);
    const Eigen::MatrixXd e = r.transpose() * r - Eigen::MatrixXd::Identity(r.rows(), r.cols());
    EXPECT_LT(e.cwiseAbs().maxCoeff(), 1e-12);
  }
}

TEST(Bbob, RejectsBadArguments) {
  EXPECT_THROW(Problem(0, 5, 1), l2l::UsageError);
  EXPECT_THROW(Problem(25, 5, 1), l2l::UsageError);
  EXPECT_THROW(Problem(1, 1, 1), l2l::UsageError);
  EXPECT_THROW(Problem(1, 5, 0), l2l::UsageError);
  const Problem p(1, 5, 1);
  EXPECT_THROW(p(std::vector<double>(4, 0.0)), l2l::UsageError);
}

TEST(Bbob, OptimizeeFromConfiguration) {
  YAML::Node node = YAML::Load("{type: bbob, function: 8, dims: 4, instance: 3}");
  l2l::Options o(node, "optimizee", nullptr);
  auto opt = l2l::make_optimizee(o, {});
  const auto space = opt->space();
  ASSERT_EQ(space.dim(), 4u);
  EXPECT_EQ(space.lower(0), -5.0);
  EXPECT_EQ(space.upper(3), 5.0);
  EXPECT_EQ(opt->default_weights(), std::vector<double>{-1.0});
  const Problem p(8, 4, 3);
  l2l::Candidate c;
  c.params = p.xopt();
  const auto e = opt->evaluate(c);
  ASSERT_TRUE(e.ok());
  EXPECT_NEAR(e.fitness[0], p.fopt(), 1e-12);
  EXPECT_NEAR(e.metrics.at("delta_f"), 0.0, 1e-12);
  EXPECT_EQ(opt->describe()["function"], 8);

  YAML::Node bad = YAML::Load("{type: bbob, function: 30}");
  l2l::Options ob(bad, "optimizee", nullptr);
  EXPECT_THROW(l2l::make_optimizee(ob, {}), l2l::ConfigError);
}

}  // namespace
