package io.colloquy;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
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
    void nothingButTheTenancyFeatureSetsTheTenantContext() {
        noClasses()
                .that()
                .resideOutsideOfPackage("io.colloquy.tenancy..")
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
                        "io.colloquy.search..",
                        "io.colloquy.tenancy..")
                .because("crypto sits below audit and tenancy and reaches them through KeyedProjects, SealedContent"
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
}
