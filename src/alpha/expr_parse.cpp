// Lexer, recursive-descent parser and canonical printer of the expression language.
//   expr  := and ('||' and)*            and  := unary_b ('&&' unary_b)*
//   unary_b := '!' unary_b | cmp        cmp  := sum (('=='|'!='|'<'|'<='|'>'|'>=') sum)?
//   sum   := prod (('+'|'-') prod)*      prod := neg (('*'|'/') neg)*
//   neg   := '-' neg | atom
//   atom  := INT [ '%' | 'bps' | 'ppm' ] | DURATION | 'true' | 'false'
//          | NAME [ '.' NAME ] | FUNC '(' expr (',' expr)* ')' | '(' expr ')'
#include <array>

#include "alpha/expr.hpp"

namespace cx::alpha {
namespace {

constexpr std::array<std::string_view, 8> kFunctions = {"floor", "ceil", "min", "max", "paid", "escrow",
                                                        "business_days", "add_months"};

bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_ident_char(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

class Parser {
 public:
  explicit Parser(std::string_view text) : m_s(text) {}

  std::variant<Expr, ExprError> run() {
    if (m_s.size() > kExprTextMax) return ExprError{"longer than " + std::to_string(kExprTextMax) + " characters"};
    skip_space();
    if (m_pos == m_s.size()) return ExprError{"empty expression"};
    int root = parse_or();
    if (root >= 0) {
      skip_space();
      if (m_pos != m_s.size()) fail("unexpected '" + std::string(1, m_s[m_pos]) + "'");
    }
    if (!m_error.empty()) return ExprError{m_error};
    return std::move(m_expr);
  }

 private:
  void fail(const std::string& what) {
    if (m_error.empty()) m_error = "at " + std::to_string(m_pos) + ": " + what;
  }
  void skip_space() {
    while (m_pos < m_s.size() && (m_s[m_pos] == ' ' || m_s[m_pos] == '\t' || m_s[m_pos] == '\n')) ++m_pos;
  }
  bool eat(std::string_view tok) {
    skip_space();
    if (m_s.substr(m_pos, tok.size()) != tok) return false;
    // "<" must not eat the start of "<=", "!" not the start of "!=".
    if ((tok == "<" || tok == ">" || tok == "!" || tok == "=") && m_pos + 1 < m_s.size() && m_s[m_pos + 1] == '=')
      return false;
    m_pos += tok.size();
    return true;
  }
  int add(Node n) {
    if (!m_error.empty()) return -1;
    if (m_expr.nodes.size() >= kExprNodesMax) {
      fail("more than " + std::to_string(kExprNodesMax) + " nodes");
      return -1;
    }
    m_expr.nodes.push_back(std::move(n));
    return static_cast<int>(m_expr.nodes.size() - 1);
  }
  int node(Op op, std::vector<int> kids) {
    Node n;
    n.op = op;
    for (int k : kids) {
      if (k < 0) return -1;
      n.kids.push_back(static_cast<uint16_t>(k));
    }
    return add(std::move(n));
  }
  struct Depth {
    Parser& p;
    explicit Depth(Parser& parser) : p(parser) {
      if (++p.m_depth > kExprDepthMax) p.fail("nested deeper than " + std::to_string(kExprDepthMax));
    }
    ~Depth() { --p.m_depth; }
  };

  int parse_or() {
    Depth d(*this);
    int l = parse_and();
    while (l >= 0 && eat("||")) l = node(Op::kOr, {l, parse_and()});
    return l;
  }
  int parse_and() {
    int l = parse_not();
    while (l >= 0 && eat("&&")) l = node(Op::kAnd, {l, parse_not()});
    return l;
  }
  int parse_not() {
    Depth d(*this);
    if (!m_error.empty()) return -1;
    if (eat("!")) return node(Op::kNot, {parse_not()});
    return parse_cmp();
  }
  int parse_cmp() {
    int l = parse_sum();
    static constexpr std::pair<std::string_view, Op> kCmp[] = {{"==", Op::kEq}, {"!=", Op::kNe}, {"<=", Op::kLe},
                                                               {">=", Op::kGe}, {"<", Op::kLt},  {">", Op::kGt}};
    for (auto [tok, op] : kCmp) {
      if (l >= 0 && eat(tok)) {
        int r = node(op, {l, parse_sum()});
        skip_space();
        for (auto [t2, op2] : kCmp)
          if (r >= 0 && m_s.substr(m_pos, t2.size()) == t2) fail("comparisons do not chain; use &&");
        return r;
      }
    }
    return l;
  }
  int parse_sum() {
    int l = parse_prod();
    while (l >= 0) {
      if (eat("+")) l = node(Op::kAdd, {l, parse_prod()});
      else if (eat("-")) l = node(Op::kSub, {l, parse_prod()});
      else break;
    }
    return l;
  }
  int parse_prod() {
    int l = parse_neg();
    while (l >= 0) {
      if (eat("*")) l = node(Op::kMul, {l, parse_neg()});
      else if (eat("/")) l = node(Op::kDiv, {l, parse_neg()});
      else break;
    }
    return l;
  }
  int parse_neg() {
    Depth d(*this);
    if (!m_error.empty()) return -1;
    if (eat("-")) return node(Op::kNeg, {parse_neg()});
    return parse_atom();
  }
  int parse_atom() {
    skip_space();
    if (m_pos == m_s.size()) {
      fail("expression ends too early");
      return -1;
    }
    char c = m_s[m_pos];
    if (c == '(') {
      ++m_pos;
      int e = parse_or();
      if (e >= 0 && !eat(")")) fail("expected ')'");
      return e;
    }
    if (is_digit(c)) return parse_number();
    if (is_ident_start(c)) return parse_word();
    fail("unexpected '" + std::string(1, c) + "'");
    return -1;
  }
  int parse_number() {
    std::string digits;
    while (m_pos < m_s.size() && (is_digit(m_s[m_pos]) || m_s[m_pos] == '_')) {
      if (m_s[m_pos] == '_' && (m_pos + 1 >= m_s.size() || !is_digit(m_s[m_pos + 1]))) {
        fail("'_' must separate digits");
        return -1;
      }
      if (m_s[m_pos] != '_') digits += m_s[m_pos];
      ++m_pos;
    }
    if (digits.size() > 1 && digits[0] == '0') {
      fail("leading zero in '" + digits + "'");
      return -1;
    }
    auto v = Uint256::from_dec(digits);
    if (!v) {
      fail("integer '" + digits + "' does not fit 256 bits");
      return -1;
    }
    Node n;
    n.op = Op::kInt;
    n.raw = Int::of(*v, false);
    std::string_view rest = m_s.substr(m_pos);
    auto unit = [&](std::string_view suffix, RatioUnit u) {
      if (!rest.starts_with(suffix)) return false;
      if (rest.size() > suffix.size() && is_ident_char(rest[suffix.size()])) return false;
      n.op = Op::kRatio;
      n.unit = u;
      m_pos += suffix.size();
      return true;
    };
    if (!unit("%", RatioUnit::kPercent) && !unit("bps", RatioUnit::kBps) && !unit("ppm", RatioUnit::kPpm) &&
        m_pos < m_s.size() && is_ident_char(m_s[m_pos])) {
      fail("a number runs into a name; units are %, bps and ppm");
      return -1;
    }
    return add(std::move(n));
  }
  std::string read_ident() {
    size_t start = m_pos;
    while (m_pos < m_s.size() && is_ident_char(m_s[m_pos])) ++m_pos;
    return std::string(m_s.substr(start, m_pos - start));
  }
  int parse_word() {
    std::string word = read_ident();
    if (word.size() > 32) {
      fail("name longer than 32 characters");
      return -1;
    }
    if (word[0] == 'P' && word.size() > 1 && (is_digit(word[1]) || word[1] == 'T')) {
      auto secs = parse_iso_duration(word);
      if (!secs) {
        fail("bad duration '" + word + "' (ISO-8601 with W, D, H, M, S; months and years are not durations)");
        return -1;
      }
      Node n;
      n.op = Op::kDuration;
      n.raw = Int(*secs);
      return add(std::move(n));
    }
    if (word == "true" || word == "false") {
      Node n;
      n.op = Op::kBool;
      n.flag = word == "true";
      return add(std::move(n));
    }
    skip_space();
    if (m_pos < m_s.size() && m_s[m_pos] == '(') return parse_call(std::move(word));
    Node n;
    n.op = Op::kName;
    n.name = std::move(word);
    if (m_pos < m_s.size() && m_s[m_pos] == '.') {
      ++m_pos;
      if (m_pos >= m_s.size() || !is_ident_start(m_s[m_pos])) {
        fail("expected a field name after '.'");
        return -1;
      }
      n.op = Op::kField;
      n.field = read_ident();
    }
    return add(std::move(n));
  }
  int parse_call(std::string fn) {
    bool known = false;
    for (auto f : kFunctions) known |= f == fn;
    if (!known) {
      fail("unknown function '" + fn + "'");
      return -1;
    }
    ++m_pos;  // '('
    std::vector<int> args;
    if (!eat(")")) {
      do {
        if (args.size() == kExprArgsMax) {
          fail("more than " + std::to_string(kExprArgsMax) + " arguments");
          return -1;
        }
        args.push_back(parse_or());
        if (args.back() < 0) return -1;
      } while (eat(","));
      if (!eat(")")) {
        fail("expected ')' or ','");
        return -1;
      }
    }
    int id = node(Op::kCall, args);
    if (id >= 0) m_expr.nodes[static_cast<size_t>(id)].name = std::move(fn);
    return id;
  }

  std::string_view m_s;
  size_t m_pos = 0;
  size_t m_depth = 0;
  std::string m_error;
  Expr m_expr;
};

// Binding strength for printing; unary operators bind tighter than any binary one.
int precedence(Op op) {
  switch (op) {
    case Op::kOr: return 1;
    case Op::kAnd: return 2;
    case Op::kEq: case Op::kNe: case Op::kLt: case Op::kLe: case Op::kGt: case Op::kGe: return 3;
    case Op::kAdd: case Op::kSub: return 4;
    case Op::kMul: case Op::kDiv: return 5;
    case Op::kNeg: return 6;
    case Op::kNot: return 2;  // '!' applies to a comparison: !a == b is !(a == b)
    default: return 7;
  }
}

const char* op_text(Op op) {
  switch (op) {
    case Op::kOr: return "||"; case Op::kAnd: return "&&";
    case Op::kEq: return "=="; case Op::kNe: return "!="; case Op::kLt: return "<";
    case Op::kLe: return "<="; case Op::kGt: return ">"; case Op::kGe: return ">=";
    case Op::kAdd: return "+"; case Op::kSub: return "-"; case Op::kMul: return "*"; case Op::kDiv: return "/";
    default: return "?";
  }
}

void print(const Expr& e, uint16_t i, int min_prec, std::string& out) {
  const Node& n = e.nodes[i];
  int p = precedence(n.op);
  bool paren = p < min_prec;
  if (paren) out += '(';
  switch (n.op) {
    case Op::kInt: out += n.raw.to_dec(); break;
    case Op::kRatio:
      out += n.raw.to_dec();
      out += n.unit == RatioUnit::kPercent ? "%" : n.unit == RatioUnit::kBps ? "bps" : "ppm";
      break;
    case Op::kDuration: out += format_iso_duration(n.raw.magnitude().low_u64()); break;
    case Op::kBool: out += n.flag ? "true" : "false"; break;
    case Op::kName: out += n.name; break;
    case Op::kField: out += n.name + "." + n.field; break;
    case Op::kCall:
      out += n.name + "(";
      for (size_t k = 0; k < n.kids.size(); ++k) {
        if (k) out += ", ";
        print(e, n.kids[k], 0, out);
      }
      out += ')';
      break;
    case Op::kNeg: out += '-'; print(e, n.kids[0], 6, out); break;
    case Op::kNot: out += '!'; print(e, n.kids[0], 3, out); break;
    default: {
      bool chain = p == 3;  // comparisons do not associate: parenthesise a comparison operand
      print(e, n.kids[0], chain ? p + 1 : p, out);
      out += ' ';
      out += op_text(n.op);
      out += ' ';
      print(e, n.kids[1], p + 1, out);
    }
  }
  if (paren) out += ')';
}

}  // namespace

std::variant<Expr, ExprError> parse_expr(std::string_view text) { return Parser(text).run(); }

std::string to_text(const Expr& e, uint16_t node) {
  std::string out;
  print(e, node, 0, out);
  return out;
}

std::string to_text(const Expr& e) { return e.empty() ? std::string() : to_text(e, e.root_index()); }

}  // namespace cx::alpha
