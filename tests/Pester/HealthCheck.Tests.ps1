BeforeAll {
    . $PSScriptRoot/Common.ps1
    $script:IsRoot = $IsLinux -and (id -u) -eq '0'
}

Describe 'Test-BronzeStorage' {
    AfterEach { Disconnect-BronzeStorage -All }

    It 'runs every check on a healthy local store and leaves nothing behind' {
        $root = New-TestFolder 'health'
        Connect-BronzeStorage -Backend Local -Path $root
        $report = Test-BronzeStorage

        $report.Healthy | Should -BeTrue
        $report.Checks.Name | Should -Be @('Write', 'Stat', 'List', 'Read', 'Delete')
        $report.Checks | ForEach-Object { $_.Success | Should -BeTrue -Because $_.Name; $_.LatencyMs | Should -BeGreaterOrEqual 0 }
        $report.Backend | Should -Be 'local'
        $report.MaxDeleteBatchSize | Should -BeGreaterThan 0
        $report.DefaultConcurrency | Should -BeGreaterThan 0
        $report.TestPath | Should -BeLike '.medallionfoundry-health/*.tmp'
        @(Get-ChildItem $root -Recurse -Force -File).Count | Should -Be 0
        @(Get-BronzeFileList).Count | Should -Be 0
    }

    It 'returns $true with -Quiet' {
        Connect-BronzeStorage -Backend Local -Path (New-TestFolder 'health')
        $result = Test-BronzeStorage -Quiet
        $result | Should -BeOfType [bool]
        $result | Should -BeTrue
    }

    It 'uses the connection named by -Connection' {
        Connect-BronzeStorage -Backend Local -Path (New-TestFolder 'health') -Name first
        Connect-BronzeStorage -Backend Local -Path (New-TestFolder 'health') -Name second
        (Test-BronzeStorage -Connection first).Connection | Should -Be 'first'
    }

    It 'reports a failed write on a store it cannot write to, and -Quiet returns $false' {
        $root = New-TestFolder 'health-ro'
        New-TestFile (Join-Path $root 'keep.bin') | Out-Null
        if ($script:IsRoot) {
            # root ignores file modes: a file where the health folder must go makes the write fail the same way.
            Set-Content (Join-Path $root '.medallionfoundry-health') 'in the way'
        }
        else {
            chmod 555 $root
        }
        try {
            Connect-BronzeStorage -Backend Local -Path $root
            $report = Test-BronzeStorage

            $report.Healthy | Should -BeFalse
            $report['Write'].Success | Should -BeFalse
            $report['Write'].Error | Should -Not -BeNullOrEmpty
            $report.Error | Should -Be $report['Write'].Error
            $report['Read'].Error | Should -BeLike 'Not run*'
            Test-BronzeStorage -Quiet | Should -BeFalse
            Get-ChildItem $root -Recurse -Force -File | Where-Object Name -like '*.tmp' | Should -BeNullOrEmpty
        }
        finally {
            if (-not $script:IsRoot) { chmod 755 $root }
        }
    }

    It 'fails with NotConnected when there is no connection' {
        { Test-BronzeStorage } | Should -Throw -ErrorId 'TestBronzeStorageNotConnected,MedallionFoundry.Commands.TestBronzeStorageCommand'
    }
}
