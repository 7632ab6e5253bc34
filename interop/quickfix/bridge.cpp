// A pass-through FIX bridge a broker could build on QuickFIX C++ instead (a peer in the bench,
// built by scripts/setup-quickfix.sh): an acceptor session for the platform (BRIDGE <- PLAT) and an
// initiator session to the LP (BRIDGE -> LP_BRAVO), QuickFIX's normal session handling with its file
// store (persistence) and its data dictionary validation on, as shipped. Every NewOrderSingle from
// the platform is sent on to the LP and every ExecutionReport back; market data is validated and
// not forwarded (the engine does not send this platform prices either).
//   quickfix-bridge PLATFORM_PORT LP_HOST LP_PORT STORE_DIR DICTIONARY
// Prints "ready PLATFORM_PORT" once the LP session is logged on. QuickFIX acceptors bind 0.0.0.0:
// the bench runs it inside a private network namespace (unshare -n), where only loopback exists.

#include <quickfix/Application.h>
#include <quickfix/FileStore.h>
#include <quickfix/Log.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketAcceptor.h>
#include <quickfix/SocketInitiator.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

// QuickFIX 1.15 declares dynamic exception specifications; overriders must repeat them.
#define EXCEPT(...) throw(__VA_ARGS__)

namespace {

std::atomic<bool> stopping{false};

class Bridge : public FIX::Application {
 public:
  FIX::SessionID platform{"FIX.4.4", "BRIDGE", "PLAT"};
  FIX::SessionID lp{"FIX.4.4", "BRIDGE", "LP_BRAVO"};
  std::atomic<bool> lpUp{false};
  std::atomic<long> forwarded{0};

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID& id) override {
    if (id == lp) lpUp = true;
  }
  void onLogout(const FIX::SessionID& id) override {
    if (id == lp) lpUp = false;
  }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) EXCEPT(FIX::DoNotSend) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&) EXCEPT(FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::RejectLogon) override {}
  void fromApp(const FIX::Message& m, const FIX::SessionID& id) EXCEPT(FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::UnsupportedMessageType) override {
    const std::string& type = m.getHeader().getField(FIX::FIELD::MsgType);
    // A copy: sendToTarget fills the header (CompIDs, MsgSeqNum, SendingTime) for the other session.
    if (id == platform && type == "D") {
      FIX::Message out(m);
      FIX::Session::sendToTarget(out, lp);
      forwarded++;
    } else if (id == lp && type == "8") {
      FIX::Message out(m);
      FIX::Session::sendToTarget(out, platform);
      forwarded++;
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: quickfix-bridge PLATFORM_PORT LP_HOST LP_PORT STORE_DIR DICTIONARY" << std::endl;
    return 2;
  }
  std::signal(SIGTERM, [](int) { stopping = true; });
  // One settings text per side: QuickFIX's SocketAcceptor and SocketInitiator each check every
  // session in the settings they are given for their own socket settings.
  std::ostringstream common;
  common << "[DEFAULT]\nHeartBtInt=30\nReconnectInterval=1\nStartTime=00:00:00\nEndTime=00:00:00\n"
         << "SocketNodelay=Y\nSocketReuseAddress=Y\nResetOnLogon=Y\nUseDataDictionary=Y\nDataDictionary=" << argv[5] << "\n"
         << "FileStorePath=" << argv[4] << "\n";
  std::ostringstream acceptorText, initiatorText;
  acceptorText << common.str() << "[SESSION]\nConnectionType=acceptor\nBeginString=FIX.4.4\nSenderCompID=BRIDGE\nTargetCompID=PLAT\nSocketAcceptPort=" << argv[1] << "\n";
  initiatorText << common.str() << "[SESSION]\nConnectionType=initiator\nBeginString=FIX.4.4\nSenderCompID=BRIDGE\nTargetCompID=LP_BRAVO\nSocketConnectHost=" << argv[2]
                << "\nSocketConnectPort=" << argv[3] << "\n";
  try {
    std::istringstream a(acceptorText.str()), i(initiatorText.str());
    FIX::SessionSettings acceptorSettings(a), initiatorSettings(i);
    Bridge app;
    FIX::FileStoreFactory store(argv[4]);
    FIX::ScreenLogFactory log(false, false, false);
    FIX::SocketAcceptor acceptor(app, store, acceptorSettings, log);
    FIX::SocketInitiator initiator(app, store, initiatorSettings, log);
    acceptor.start();
    initiator.start();
    for (int i = 0; i < 500 && !app.lpUp; i++) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!app.lpUp) {
      std::cout << "{\"error\":\"the LP session did not log on\"}" << std::endl;
      return 1;
    }
    std::cout << "ready " << argv[1] << std::endl;
    while (!stopping) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::cout << "{\"forwarded\":" << app.forwarded.load() << "}" << std::endl;
    initiator.stop(true);
    acceptor.stop(true);
  } catch (std::exception& e) {
    std::cout << "{\"error\":\"" << e.what() << "\"}" << std::endl;
    return 1;
  }
  return 0;
}
