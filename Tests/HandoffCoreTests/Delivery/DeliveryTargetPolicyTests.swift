import HandoffCore
import Testing

@Suite("Delivery target policy")
struct DeliveryTargetPolicyTests {
    let strict = DeliveryTargetPolicy(allowPrivate: false)
    let relaxed = DeliveryTargetPolicy(allowPrivate: true)

    func refusal(_ result: Result<DeliveryTargetPolicy.Target, DeliveryTargetRefusal>) -> String? {
        if case .failure(let refusal) = result { return refusal.reason }
        return nil
    }

    @Test("a public https URL passes, before and after resolving")
    func publicTarget() throws {
        let target = try strict.check(url: "https://hooks.example.com/handoff?x=1").get()
        #expect(target.host == "hooks.example.com")
        #expect(target.port == 443)
        #expect(target.literalAddress == nil)
        #expect(try strict.check(url: "https://Hooks.Example.com.:8443/", resolvedAddresses: ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]).get().port == 8443)
        #expect(try strict.check(url: "https://8.8.8.8/x").get().literalAddress == IPAddress("8.8.8.8"))
    }

    @Test("only https, unless private targets are allowed for development")
    func schemes() throws {
        #expect(refusal(strict.check(url: "http://hooks.example.com/"))?.contains("https") == true)
        #expect(refusal(strict.check(url: "ftp://hooks.example.com/"))?.contains("ftp") == true)
        #expect(refusal(relaxed.check(url: "gopher://127.0.0.1/")) != nil)
        #expect(refusal(strict.check(url: "not a url")) != nil)
        #expect(refusal(strict.check(url: "https:///path"))?.contains("no host") == true)
        #expect(try relaxed.check(url: "http://127.0.0.1:9000/hook").get().port == 9000)
        #expect(try relaxed.check(url: "http://localhost:9000/hook", resolvedAddresses: ["127.0.0.1", "::1"]).get().host == "localhost")
    }

    @Test("internal addresses are refused as literals", arguments: [
        "127.0.0.1", "127.255.0.9", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1",
        "169.254.169.254", "169.254.0.1", "0.0.0.0", "100.64.0.1", "100.127.255.254",
        "[::1]", "[::]", "[fc00::1]", "[fd12:3456::1]", "[fe80::1]", "[fe80::1%25eth0]", "[febf::1]",
        "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::ffff:169.254.169.254]", "[::ffff:10.1.2.3]",
        "[64:ff9b::a00:1]", "[2002:c0a8:101::1]", "[::127.0.0.1]",
    ])
    func refusedLiterals(_ host: String) {
        #expect(refusal(strict.check(url: "https://\(host)/hook")) != nil, "\(host)")
        #expect(refusal(relaxed.check(url: "https://\(host)/hook")) == nil, "\(host) with allowPrivate")
    }

    @Test("neighbours of the private ranges are public", arguments: [
        "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1", "169.255.0.1", "11.0.0.1",
        "192.169.0.1", "[2001:4860:4860::8888]", "[::ffff:8.8.8.8]",
    ])
    func publicNeighbours(_ host: String) {
        #expect(refusal(strict.check(url: "https://\(host)/")) == nil, "\(host)")
    }

    @Test("multicast, broadcast and reserved addresses are refused even for development", arguments: [
        "224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1", "[ff02::1]",
    ])
    func neverHosts(_ host: String) {
        #expect(refusal(relaxed.check(url: "https://\(host)/")) != nil, "\(host)")
    }

    @Test("a name that resolves to any internal address is refused, and the reason says which")
    func resolvedAddresses() {
        let reason = refusal(strict.check(url: "https://rebind.example.com/", resolvedAddresses: ["93.184.216.34", "169.254.169.254"]))
        #expect(reason?.contains("169.254.169.254") == true)
        #expect(reason?.contains("link-local") == true)
        #expect(refusal(strict.check(url: "https://x.example.com/", resolvedAddresses: ["::ffff:192.168.0.10"]))?.contains("private") == true)
        #expect(refusal(strict.check(url: "https://x.example.com/", resolvedAddresses: []))?.contains("no address") == true)
        #expect(refusal(strict.check(url: "https://x.example.com/", resolvedAddresses: ["banana"])) != nil)
        #expect(refusal(relaxed.check(url: "https://x.example.com/", resolvedAddresses: ["10.0.0.5"])) == nil)
    }

    @Test("numeric spellings the resolver reads as an address are refused", arguments: [
        "2130706433", "0x7f.1", "127.1", "0177.0.0.1", "017700000001", "1.2.3.04",
    ])
    func numericHosts(_ host: String) {
        #expect(refusal(strict.check(url: "https://\(host)/")) != nil, "\(host)")
    }

    @Test("localhost by name is refused without resolving")
    func localhostName() {
        #expect(refusal(strict.check(url: "https://localhost/")) != nil)
        #expect(refusal(strict.check(url: "https://api.localhost/")) != nil)
    }

    @Test("IP text is parsed strictly")
    func parsing() {
        #expect(IPAddress("1.2.3.4") == .v4([1, 2, 3, 4]))
        #expect(IPAddress("::ffff:1.2.3.4") == .v6([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 1, 2, 3, 4]))
        #expect(IPAddress("2001:db8::1")?.description == "2001:db8:0:0:0:0:0:1")
        #expect(IPAddress("1:2:3:4:5:6:7:8") != nil)
        for bad in ["1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::8:9", "12345::", "::g", "", ":", "1.2.3.4:80"] {
            #expect(IPAddress(bad) == nil, "\(bad)")
        }
    }
}
