package io.colloquy.crypto;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real SoftHSM2 for the tests: a token folder made for this test run, named by the configuration file
 * that {@code SOFTHSM2_CONF} points to (surefire sets it to {@code target/softhsm2/softhsm2.conf}), with
 * two tokens initialised by {@code softhsm2-util} before the PKCS#11 library is first loaded in this JVM
 * (SoftHSM2 reads its tokens when it is initialised). The spare token is for a login nobody made before
 * (a PKCS#11 login holds for the whole process, so a wrong PIN on a token already logged in would pass).
 */
final class SoftHsm {
    static final Path LIBRARY = Path.of("/usr/lib/softhsm/libsofthsm2.so");
    private static final HexFormat HEX = HexFormat.of();
    private static SoftHsm instance;

    record Token(String label, long slot, String pin) {}

    final Token main;
    final Token spare;

    private SoftHsm(Token main, Token spare) {
        this.main = main;
        this.spare = spare;
    }

    static synchronized SoftHsm get() throws IOException, InterruptedException {
        if (instance == null) {
            String conf = System.getenv("SOFTHSM2_CONF");
            if (conf == null || conf.isBlank()) {
                throw new IllegalStateException(
                        "SOFTHSM2_CONF is not set: run the tests through Maven (surefire sets it)");
            }
            if (!Files.isRegularFile(LIBRARY)) {
                throw new IllegalStateException("SoftHSM2 is not installed (apt-get install softhsm2): " + LIBRARY);
            }
            Path confFile = Path.of(conf).toAbsolutePath();
            Files.createDirectories(confFile.getParent());
            Path tokens = Files.createTempDirectory(
                    confFile.getParent(),
                    "tokens-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.writeString(
                    confFile,
                    "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\n",
                    StandardCharsets.UTF_8);
            instance = new SoftHsm(initToken("colloquy-test"), initToken("colloquy-spare"));
        }
        return instance;
    }

    private static Token initToken(String label) throws IOException, InterruptedException {
        String pin = HEX.formatHex(randomBytes(8));
        Process p = new ProcessBuilder(
                        "softhsm2-util",
                        "--init-token",
                        "--free",
                        "--label",
                        label,
                        "--pin",
                        pin,
                        "--so-pin",
                        HEX.formatHex(randomBytes(8)))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("softhsm2-util --init-token failed: " + out);
        }
        Matcher slot = Pattern.compile("reassigned to slot (\\d+)").matcher(out);
        if (!slot.find()) {
            throw new IllegalStateException("no slot in: " + out);
        }
        return new Token(label, Long.parseLong(slot.group(1)), pin);
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new java.security.SecureRandom().nextBytes(b);
        return b;
    }

    /** What the token itself answers, asked over PKCS#11 directly, for a secret key's attributes. */
    record KeyAttributes(long valueResult, boolean sensitive, boolean extractable, boolean neverExtractable) {}

    static final long CKR_OK = 0;
    static final long CKR_ATTRIBUTE_SENSITIVE = 0x11;
    private static final long CKR_USER_ALREADY_LOGGED_IN = 0x100;
    private static final long CKR_CRYPTOKI_ALREADY_INITIALIZED = 0x191;
    private static final long CKA_CLASS = 0x0;
    private static final long CKA_LABEL = 0x3;
    private static final long CKA_VALUE = 0x11;
    private static final long CKA_SENSITIVE = 0x103;
    private static final long CKA_EXTRACTABLE = 0x162;
    private static final long CKA_NEVER_EXTRACTABLE = 0x164;
    private static final long CKO_SECRET_KEY = 0x4;
    private static final long CKF_SERIAL_SESSION = 0x4;
    private static final MemoryLayout CK_ATTRIBUTE = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("type"),
            ValueLayout.ADDRESS.withName("pValue"),
            ValueLayout.JAVA_LONG.withName("ulValueLen"));

    /**
     * Asks the token (through the PKCS#11 C API, not through the JDK) for the value and the protection
     * attributes of the secret key labelled {@code label}: a token that keeps its key in answers
     * {@code CKR_ATTRIBUTE_SENSITIVE} for the value.
     */
    static KeyAttributes askTheToken(Token token, String label) throws Throwable {
        Linker linker = Linker.nativeLinker();
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup lib = SymbolLookup.libraryLookup(LIBRARY, arena);
            long rv = call(linker, lib, "C_Initialize", List.of(ValueLayout.ADDRESS), MemorySegment.NULL);
            require(rv == CKR_OK || rv == CKR_CRYPTOKI_ALREADY_INITIALIZED, "C_Initialize", rv);
            MemorySegment session = arena.allocate(ValueLayout.JAVA_LONG);
            rv = call(
                    linker,
                    lib,
                    "C_OpenSession",
                    List.of(
                            ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_LONG,
                            ValueLayout.ADDRESS,
                            ValueLayout.ADDRESS,
                            ValueLayout.ADDRESS),
                    token.slot(),
                    CKF_SERIAL_SESSION,
                    MemorySegment.NULL,
                    MemorySegment.NULL,
                    session);
            require(rv == CKR_OK, "C_OpenSession", rv);
            long h = session.get(ValueLayout.JAVA_LONG, 0);
            try {
                byte[] pin = token.pin().getBytes(StandardCharsets.UTF_8);
                rv = call(
                        linker,
                        lib,
                        "C_Login",
                        List.of(
                                ValueLayout.JAVA_LONG,
                                ValueLayout.JAVA_LONG,
                                ValueLayout.ADDRESS,
                                ValueLayout.JAVA_LONG),
                        h,
                        1L,
                        arena.allocateFrom(ValueLayout.JAVA_BYTE, pin),
                        (long) pin.length);
                require(rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN, "C_Login", rv);
                long key = findSecretKey(linker, lib, arena, h, label);
                MemorySegment value = attributes(arena, 1);
                setAttribute(value, 0, CKA_VALUE, MemorySegment.NULL, 0);
                long valueResult = getAttributes(linker, lib, h, key, value, 1);
                MemorySegment flags = attributes(arena, 3);
                MemorySegment bools = arena.allocate(3);
                setAttribute(flags, 0, CKA_SENSITIVE, bools.asSlice(0, 1), 1);
                setAttribute(flags, 1, CKA_EXTRACTABLE, bools.asSlice(1, 1), 1);
                setAttribute(flags, 2, CKA_NEVER_EXTRACTABLE, bools.asSlice(2, 1), 1);
                rv = getAttributes(linker, lib, h, key, flags, 3);
                require(rv == CKR_OK, "C_GetAttributeValue", rv);
                return new KeyAttributes(
                        valueResult,
                        bools.get(ValueLayout.JAVA_BYTE, 0) != 0,
                        bools.get(ValueLayout.JAVA_BYTE, 1) != 0,
                        bools.get(ValueLayout.JAVA_BYTE, 2) != 0);
            } finally {
                call(linker, lib, "C_CloseSession", List.of(ValueLayout.JAVA_LONG), h);
            }
        }
    }

    private static long findSecretKey(Linker linker, SymbolLookup lib, Arena arena, long h, String label)
            throws Throwable {
        byte[] labelBytes = label.getBytes(StandardCharsets.UTF_8);
        MemorySegment template = attributes(arena, 2);
        setAttribute(
                template,
                0,
                CKA_CLASS,
                arena.allocateFrom(ValueLayout.JAVA_LONG, CKO_SECRET_KEY),
                ValueLayout.JAVA_LONG.byteSize());
        setAttribute(template, 1, CKA_LABEL, arena.allocateFrom(ValueLayout.JAVA_BYTE, labelBytes), labelBytes.length);
        long rv = call(
                linker,
                lib,
                "C_FindObjectsInit",
                List.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
                h,
                template,
                2L);
        require(rv == CKR_OK, "C_FindObjectsInit", rv);
        MemorySegment found = arena.allocate(ValueLayout.JAVA_LONG, 2);
        MemorySegment count = arena.allocate(ValueLayout.JAVA_LONG);
        rv = call(
                linker,
                lib,
                "C_FindObjects",
                List.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
                h,
                found,
                2L,
                count);
        require(rv == CKR_OK, "C_FindObjects", rv);
        call(linker, lib, "C_FindObjectsFinal", List.of(ValueLayout.JAVA_LONG), h);
        if (count.get(ValueLayout.JAVA_LONG, 0) != 1) {
            throw new IllegalStateException(
                    count.get(ValueLayout.JAVA_LONG, 0) + " secret keys labelled " + label + " on the token");
        }
        return found.get(ValueLayout.JAVA_LONG, 0);
    }

    private static long getAttributes(
            Linker linker, SymbolLookup lib, long h, long object, MemorySegment template, long n) throws Throwable {
        return call(
                linker,
                lib,
                "C_GetAttributeValue",
                List.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
                h,
                object,
                template,
                n);
    }

    private static MemorySegment attributes(Arena arena, int n) {
        return arena.allocate(CK_ATTRIBUTE, n);
    }

    private static void setAttribute(MemorySegment array, int i, long type, MemorySegment value, long length) {
        long base = i * CK_ATTRIBUTE.byteSize();
        array.set(ValueLayout.JAVA_LONG, base, type);
        array.set(ValueLayout.ADDRESS, base + 8, value);
        array.set(ValueLayout.JAVA_LONG, base + 16, length);
    }

    private static long call(Linker linker, SymbolLookup lib, String name, List<MemoryLayout> args, Object... values)
            throws Throwable {
        MethodHandle handle = linker.downcallHandle(
                lib.find(name).orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, args.toArray(MemoryLayout[]::new)));
        return (long) handle.invokeWithArguments(values);
    }

    private static void require(boolean ok, String what, long rv) {
        if (!ok) {
            throw new IllegalStateException(what + " failed: CKR 0x" + Long.toHexString(rv));
        }
    }
}
