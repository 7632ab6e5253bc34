// QuickFIX C++ parsing and encoding the codec bench's messages (bench/codec.bench.ts sends the very
// bytes ours and jspurefix parse), built by scripts/setup-quickfix.sh like the interop harness.
//   quickfix-codec-timing DICTIONARY ITERATIONS ROUNDS < lines of "NAME<TAB>HEX BYTES"
// Parse: FIX::Message::setString with the data dictionary (groups), BodyLength and CheckSum checked,
// then the same fields read and converted as ours reads them. Encode: the same fields set on a new
// message (typed, as application code writes it) and toString(), which fills BodyLength and
// CheckSum. Prints one JSON line per message: the median ns per operation over ROUNDS rounds.

#include <quickfix/DataDictionary.h>
#include <quickfix/Message.h>
#include <quickfix/fix44/ExecutionReport.h>
#include <quickfix/fix44/MarketDataIncrementalRefresh.h>
#include <quickfix/fix44/NewOrderSingle.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace {

std::string unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::strtol(hex.substr(i, 2).c_str(), nullptr, 16)));
  return out;
}

const char* TS = "20260708-09:00:00.123";

void header(FIX::Message& m, int seq, const char* sender) {
  FIX::Header& h = m.getHeader();
  h.setField(FIX::MsgSeqNum(seq));
  h.setField(FIX::SenderCompID(sender));
  h.setField(FIX::StringField(52, TS));
  h.setField(FIX::TargetCompID("BRIDGE"));
}

// Builds and serialises the message the bench names, with the bench's field values.
std::string encode(const std::string& name) {
  if (name == "NewOrderSingle") {
    FIX44::NewOrderSingle m;
    header(m, 1234, "PLAT");
    m.set(FIX::Account("100234"));
    m.set(FIX::ClOrdID("ORD-000123"));
    m.set(FIX::HandlInst('1'));
    m.setField(FIX::StringField(38, "100000"));
    m.set(FIX::OrdType('2'));
    m.setField(FIX::StringField(44, "1.08512"));
    m.set(FIX::Side('1'));
    m.set(FIX::Symbol("EUR/USD"));
    m.set(FIX::TimeInForce('3'));
    m.setField(FIX::StringField(60, TS));
    return m.toString();
  }
  if (name == "ExecutionReport") {
    FIX44::ExecutionReport m;
    header(m, 1235, "LP");
    m.setField(FIX::StringField(6, "1.08514"));
    m.set(FIX::ClOrdID("ORD-000123"));
    m.setField(FIX::StringField(14, "100000"));
    m.set(FIX::ExecID("EX-77"));
    m.setField(FIX::StringField(31, "1.08514"));
    m.setField(FIX::StringField(32, "100000"));
    m.set(FIX::OrderID("LPO-9"));
    m.setField(FIX::StringField(38, "100000"));
    m.set(FIX::OrdStatus('2'));
    m.set(FIX::Side('1'));
    m.set(FIX::Symbol("EUR/USD"));
    m.setField(FIX::StringField(60, TS));
    m.set(FIX::ExecType('F'));
    m.setField(FIX::StringField(151, "0"));
    return m.toString();
  }
  FIX44::MarketDataIncrementalRefresh m;
  header(m, 1236, "LP");
  m.set(FIX::MDReqID("md-1"));
  const char* entries[3][6] = {{"1", "0", "b1", "EUR/USD", "1.08512", "1000000"}, {"1", "1", "a1", "EUR/USD", "1.08514", "1000000"}, {"2", "0", "b0", "EUR/USD", nullptr, nullptr}};
  for (auto& e : entries) {
    FIX44::MarketDataIncrementalRefresh::NoMDEntries g;
    g.setField(FIX::StringField(279, e[0]));
    g.setField(FIX::StringField(269, e[1]));
    g.setField(FIX::StringField(278, e[2]));
    g.setField(FIX::StringField(55, e[3]));
    if (e[4] != nullptr) g.setField(FIX::StringField(270, e[4]));
    if (e[5] != nullptr) g.setField(FIX::StringField(271, e[5]));
    m.addGroup(g);
  }
  return m.toString();
}

// Parses and reads what ours reads for routing: ids as text, numbers converted.
double parse(FIX::Message& m, const std::string& bytes, const FIX::DataDictionary& dd, const std::string& name) {
  m.setString(bytes, true, &dd, &dd);
  if (name == "NewOrderSingle") {
    FIX::OrderQty qty;
    FIX::Price px;
    m.getField(qty);
    m.getField(px);
    return m.getField(11).size() + m.getField(55).size() + std::atoi(m.getField(54).c_str()) + qty.getValue() + px.getValue() + std::atoi(m.getHeader().getField(34).c_str());
  }
  if (name == "ExecutionReport") {
    FIX::LastPx px;
    FIX::LastQty qty;
    m.getField(px);
    m.getField(qty);
    return m.getField(11).size() + m.getField(17).size() + px.getValue() + qty.getValue() + m.getField(150).size() + m.getField(39).size();
  }
  double sum = 0;
  FIX44::MarketDataIncrementalRefresh::NoMDEntries g;
  for (int i = 1; i <= 3; i++) {
    m.getGroup(i, g);
    if (g.isSetField(270)) {
      FIX::MDEntryPx px;
      g.getField(px);
      sum += px.getValue();
    }
  }
  return sum;
}

template <typename F>
double medianNs(F op, int iterations, int rounds) {
  for (int i = 0; i < iterations / 5; i++) op();  // warm-up
  std::vector<double> ns;
  for (int r = 0; r < rounds; r++) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < iterations; i++) op();
    auto t1 = std::chrono::steady_clock::now();
    ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / iterations);
  }
  std::sort(ns.begin(), ns.end());
  return ns[ns.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: quickfix-codec-timing DICTIONARY ITERATIONS ROUNDS < NAME<TAB>HEX lines" << std::endl;
    return 2;
  }
  try {
    FIX::DataDictionary dd(argv[1]);
    const int iterations = std::atoi(argv[2]);
    const int rounds = std::atoi(argv[3]);
    std::string line;
    volatile double sink = 0;
    while (std::getline(std::cin, line)) {
      const size_t tab = line.find('\t');
      if (tab == std::string::npos) continue;
      const std::string name = line.substr(0, tab);
      const std::string bytes = unhex(line.substr(tab + 1));
      FIX::Message m;
      const double parseNs = medianNs([&] { sink = sink + parse(m, bytes, dd, name); }, iterations, rounds);
      const double encodeNs = medianNs([&] { sink = sink + encode(name).size(); }, iterations, rounds);
      std::cout << "{\"message\":\"" << name << "\",\"bytes\":" << bytes.size() << ",\"parseNs\":" << parseNs << ",\"encodeNs\":" << encodeNs << "}" << std::endl;
    }
  } catch (std::exception& e) {
    std::cout << "{\"error\":\"" << e.what() << "\"}" << std::endl;
    return 1;
  }
  return 0;
}
