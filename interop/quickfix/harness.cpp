// QuickFIX C++ counterparty for shadow-bridge interop tests (built by scripts/setup-quickfix.sh).
//   harness client HOST PORT SENDER TARGET COUNT SYMBOL   platform: N market orders, waits for every report
//   harness lp PORT SENDER TARGET SECONDS                 LP: snapshots for every subscribed symbol, fills orders
// Prints one JSON line with what happened. QuickFIX acceptors bind 0.0.0.0: run lp mode inside a
// private network namespace (unshare -n), as the tests do.

#include <quickfix/Application.h>
#include <quickfix/MessageStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketAcceptor.h>
#include <quickfix/SocketInitiator.h>
#include <quickfix/Log.h>
#include <quickfix/fix44/ExecutionReport.h>
#include <quickfix/fix44/MarketDataRequest.h>
#include <quickfix/fix44/MarketDataSnapshotFullRefresh.h>
#include <quickfix/fix44/NewOrderSingle.h>

#include <atomic>
#include <functional>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

// QuickFIX 1.15 declares dynamic exception specifications; overriders must repeat them.
#define EXCEPT(...) throw(__VA_ARGS__)

namespace {

std::string settingsText(const std::string& type, const std::string& host, int port, const std::string& sender, const std::string& target) {
  std::ostringstream s;
  // With QF_DATA_DICTIONARY set, QuickFIX validates every message we send against it.
  const char* dictionary = std::getenv("QF_DATA_DICTIONARY");
  s << "[DEFAULT]\nConnectionType=" << type << "\nHeartBtInt=10\nReconnectInterval=1\nStartTime=00:00:00\nEndTime=00:00:00\n"
    << "SocketNodelay=Y\nSocketReuseAddress=Y\n";
  if (dictionary != nullptr) s << "UseDataDictionary=Y\nDataDictionary=" << dictionary << "\n";
  else s << "UseDataDictionary=N\n";
  if (type == "initiator") s << "SocketConnectHost=" << host << "\nSocketConnectPort=" << port << "\n";
  else s << "SocketAcceptPort=" << port << "\n";
  s << "[SESSION]\nBeginString=FIX.4.4\nSenderCompID=" << sender << "\nTargetCompID=" << target << "\n";
  return s.str();
}

class Base : public FIX::Application {
 public:
  std::atomic<bool> loggedOn{false};
  FIX::SessionID session;
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID& id) override { session = id; loggedOn = true; }
  void onLogout(const FIX::SessionID&) override { loggedOn = false; }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) EXCEPT(FIX::DoNotSend) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&) EXCEPT(FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::RejectLogon) override {}
};

class Client : public Base {
 public:
  std::mutex mutex;
  std::set<std::string> done;
  int filled = 0, rejected = 0, partial = 0;
  void fromApp(const FIX::Message& m, const FIX::SessionID&) EXCEPT(FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::UnsupportedMessageType) override {
    if (m.getHeader().getField(FIX::FIELD::MsgType) != "8") return;
    std::lock_guard<std::mutex> lock(mutex);
    const std::string status = m.getField(FIX::FIELD::OrdStatus);
    const std::string id = m.getField(FIX::FIELD::ClOrdID);
    if (status == "2") { filled++; done.insert(id); }
    else if (status == "8") { rejected++; done.insert(id); }
    else if (status == "1") partial++;
  }
};

class Lp : public Base {
 public:
  std::atomic<int> snapshots{0}, orders{0};
  void fromApp(const FIX::Message& m, const FIX::SessionID& id) EXCEPT(FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::UnsupportedMessageType) override {
    const std::string type = m.getHeader().getField(FIX::FIELD::MsgType);
    if (type == "V") {
      const std::string reqId = m.getField(FIX::FIELD::MDReqID);
      FIX44::MarketDataRequest::NoRelatedSym group;
      int n = std::atoi(m.getField(FIX::FIELD::NoRelatedSym).c_str());
      for (int i = 1; i <= n; i++) {
        m.getGroup(i, group);
        FIX::Symbol symbol;
        group.get(symbol);
        FIX44::MarketDataSnapshotFullRefresh snap;
        snap.set(FIX::MDReqID(reqId));
        snap.set(symbol);
        FIX44::MarketDataSnapshotFullRefresh::NoMDEntries bid, ask;
        bid.set(FIX::MDEntryType(FIX::MDEntryType_BID)); bid.set(FIX::MDEntryPx(1.26999)); bid.set(FIX::MDEntrySize(1000000));
        ask.set(FIX::MDEntryType(FIX::MDEntryType_OFFER)); ask.set(FIX::MDEntryPx(1.27003)); ask.set(FIX::MDEntrySize(1000000));
        snap.addGroup(bid);
        snap.addGroup(ask);
        FIX::Session::sendToTarget(snap, id);
        snapshots++;
      }
    } else if (type == "D") {
      orders++;
      FIX44::ExecutionReport er(FIX::OrderID("QF-" + std::to_string(orders.load())), FIX::ExecID("QFE-" + std::to_string(orders.load())),
                                FIX::ExecType(FIX::ExecType_TRADE), FIX::OrdStatus(FIX::OrdStatus_FILLED), FIX::Side(m.getField(FIX::FIELD::Side)[0]),
                                FIX::LeavesQty(0), FIX::CumQty(std::atof(m.getField(FIX::FIELD::OrderQty).c_str())), FIX::AvgPx(1.27003));
      er.set(FIX::ClOrdID(m.getField(FIX::FIELD::ClOrdID)));
      er.set(FIX::Symbol(m.getField(FIX::FIELD::Symbol)));
      er.set(FIX::OrderQty(std::atof(m.getField(FIX::FIELD::OrderQty).c_str())));
      er.set(FIX::LastQty(std::atof(m.getField(FIX::FIELD::OrderQty).c_str())));
      er.set(FIX::LastPx(1.27003));
      FIX::Session::sendToTarget(er, id);
    }
  }
};

bool waitFor(const std::function<bool()>& cond, int seconds) {
  for (int i = 0; i < seconds * 50; i++) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) { std::cerr << "usage: harness client|lp ..." << std::endl; return 2; }
  const std::string mode = argv[1];
  try {
    if (mode == "client" && argc == 8) {
      std::istringstream text(settingsText("initiator", argv[2], std::atoi(argv[3]), argv[4], argv[5]));
      FIX::SessionSettings settings(text);
      Client app;
      FIX::MemoryStoreFactory store;
      FIX::ScreenLogFactory log(false, false, false);
      FIX::SocketInitiator initiator(app, store, settings, log);
      initiator.start();
      if (!waitFor([&] { return app.loggedOn.load(); }, 10)) { std::cout << "{\"error\":\"no logon\"}" << std::endl; return 1; }
      const int count = std::atoi(argv[6]);
      for (int i = 0; i < count; i++) {
        FIX44::NewOrderSingle nos(FIX::ClOrdID("QC-" + std::to_string(i)), FIX::Side(i % 2 == 0 ? FIX::Side_BUY : FIX::Side_SELL), FIX::TransactTime(), FIX::OrdType(FIX::OrdType_MARKET));
        nos.set(FIX::Symbol(argv[7]));
        nos.set(FIX::OrderQty(1));
        nos.set(FIX::Account("1"));
        FIX::Session::sendToTarget(nos, app.session);
      }
      bool all = waitFor([&] { std::lock_guard<std::mutex> l(app.mutex); return static_cast<int>(app.done.size()) >= count; }, 15);
      {
        std::lock_guard<std::mutex> l(app.mutex);
        std::cout << "{\"answered\":" << app.done.size() << ",\"filled\":" << app.filled << ",\"rejected\":" << app.rejected << ",\"partial\":" << app.partial << "}" << std::endl;
      }
      initiator.stop();
      return all ? 0 : 1;
    }
    if (mode == "lp" && argc == 6) {
      std::istringstream text(settingsText("acceptor", "", std::atoi(argv[2]), argv[3], argv[4]));
      FIX::SessionSettings settings(text);
      Lp app;
      FIX::MemoryStoreFactory store;
      FIX::ScreenLogFactory log(false, false, false);
      FIX::SocketAcceptor acceptor(app, store, settings, log);
      acceptor.start();
      std::cout << "{\"listening\":" << argv[2] << "}" << std::endl;
      std::this_thread::sleep_for(std::chrono::seconds(std::atoi(argv[5])));
      std::cout << "{\"snapshots\":" << app.snapshots.load() << ",\"orders\":" << app.orders.load() << "}" << std::endl;
      acceptor.stop();
      return 0;
    }
  } catch (std::exception& e) {
    std::cout << "{\"error\":\"" << e.what() << "\"}" << std::endl;
    return 1;
  }
  std::cerr << "usage: harness client HOST PORT SENDER TARGET COUNT SYMBOL | harness lp PORT SENDER TARGET SECONDS" << std::endl;
  return 2;
}
