package io.colloquy;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.colloquy.tenant.Namespace;
import org.junit.jupiter.api.Test;
import org.springframework.modulith.core.ApplicationModules;
import org.springframework.stereotype.Repository;
import org.springframework.web.bind.annotation.RestController;

/** The architecture of ARCHITECTURE.md, as tests: module boundaries, SQL only in repositories, private controllers. */
class ArchitectureTests {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.colloquy");

    @Test
    void modulesRespectTheirBoundariesAndHaveNoCycles() {
        ApplicationModules.of(ColloquyApplication.class).verify();
    }

    @Test
    void onlyRepositoriesUseJdbc() {
        noClasses()
                .that()
                .areNotAnnotatedWith(Repository.class)
                .and()
                .doNotHaveSimpleName("DatabaseConfiguration")
                .and()
                .resideOutsideOfPackage("io.colloquy.platform..")
                .and()
                // ./colloquy evidence reads a deployment's database from outside, as a reviewer's client with the
                // URL it is given: read-only catalog queries, none of the server's own data access
                .doNotHaveSimpleName("DatabaseProbes")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.springframework.jdbc..", "java.sql..")
                .check(MAIN);
    }

    @Test
    void repositoriesAreNamedSoAndPackagePrivate() {
        classes()
                .that()
                .areAnnotatedWith(Repository.class)
                .should()
                .haveSimpleNameEndingWith("Repository")
                .andShould()
                .notBePublic()
                .check(MAIN);
    }

    @Test
    void controllersArePackagePrivate() {
        classes()
                .that()
                .areAnnotatedWith(RestController.class)
                .should()
                .notBePublic()
                .check(MAIN);
    }

    @Test
    void nothingButTheTenantCoreSetsTheTenantContext() {
        noClasses()
                .that()
                .resideOutsideOfPackage("io.colloquy.tenant..")
                .should()
                .dependOnClassesThat()
                .haveSimpleName("TenantContextRepository")
                .check(MAIN);
    }

    @Test
    void cryptoOwnsKeyManagementBelowEveryFeatureThatSealsContent() {
        noClasses()
                .that()
                .resideInAPackage("io.colloquy.crypto..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.colloquy.access..",
                        "io.colloquy.audit..",
                        "io.colloquy.dialogues..",
                        "io.colloquy.governance..",
                        "io.colloquy.keys..",
                        "io.colloquy.limits..",
                        "io.colloquy.memories..",
                        "io.colloquy.projects..",
                        "io.colloquy.search..",
                        "io.colloquy.tenant..")
                .because(
                        "crypto sits below audit and the tenant core and reaches them through KeyedProjects, SealedContent"
                                + " and EncryptionKeyChanged")
                .check(MAIN);
    }

    @Test
    void retentionErasureAndReencryptionIterateOverContentInsteadOfNamingFeatures() {
        noClasses()
                .that()
                .haveSimpleName("Retention")
                .or()
                .haveSimpleName("Erasure")
                .or()
                .haveSimpleName("DataKeyReencryptionJob")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.colloquy.dialogues..", "io.colloquy.memories..")
                .because("they iterate over every TenantContent (retention, erasure) or SealedContent (re-encryption)")
                .check(MAIN);
    }

    @Test
    void theTenantCoreKnowsNoFeatureAbovePlatformServices() {
        noClasses()
                .that()
                .resideInAPackage("io.colloquy.tenant..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.colloquy.projects..",
                        "io.colloquy.dialogues..",
                        "io.colloquy.memories..",
                        "io.colloquy.search..",
                        "io.colloquy.governance..")
                .because("features build on the request path's core, never the other way round")
                .check(MAIN);
    }

    @Test
    void controllersNeverParseTheNamespaceThemselves() {
        noClasses()
                .that()
                .areAnnotatedWith(RestController.class)
                .should()
                .callConstructor(Namespace.class, String.class)
                .because("the request filter parses {ns} once into the request context; controllers take a Tenant")
                .check(MAIN);
    }

    @Test
    void oneAeadCodecDoesAllEncryption() {
        noClasses()
                .that()
                .haveNameNotMatching("io\\.colloquy\\.crypto\\.(Aead|Pkcs11MasterKey)(\\$.*)?")
                .should()
                .dependOnClassesThat()
                .haveFullyQualifiedName("javax.crypto.Cipher")
                .because(
                        "every AES-GCM seal and open goes through crypto.Aead (pooled ciphers, one format); only the HSM"
                                + " key provider drives its token's own cipher, inside the token")
                .check(MAIN);
    }

    @Test
    void onlyTheRequestContextBindsTheScopedRequestState() {
        noClasses()
                .that()
                .doNotHaveSimpleName("RequestContext")
                .should()
                .callMethod(ScopedValue.class, "where", ScopedValue.class, Object.class)
                .because("one request context, bound once per request (and per background command) by RequestContext")
                .check(MAIN);
    }
}
